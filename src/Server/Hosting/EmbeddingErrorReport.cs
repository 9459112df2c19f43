namespace AgentMem.Server.Hosting;

/// <summary>
/// What <c>/health</c>, which needs no key, says of a stopped background embedder: the failure's kind only. Its message
/// can name the embedding endpoint, echo its answer (a key in an error body) or a file path, so the whole exception goes
/// to the service log instead, once per failure: when it happens (the server makes it the state's
/// <see cref="Retrieval.State.RetrievalStateOptions.EmbeddingFailures"/>), or at the latest when <c>/health</c> is asked.
/// </summary>
internal sealed class EmbeddingErrorReport(ILogger<EmbeddingErrorReport> log) : IProgress<Exception>
{
    private Exception? logged;

    /// <summary>Logs <paramref name="value"/> in full unless it is the failure logged last.</summary>
    public void Report(Exception value) => Log(value);

    /// <summary>The public summary of <paramref name="error"/> (null when there is none), logging it in full the first time.</summary>
    public string? Describe(Exception? error)
    {
        if (error is null)
        {
            return null;
        }

        Log(error);
        return $"the background embedder stopped ({error.GetType().Name}); the service log has the details";
    }

    private void Log(Exception error)
    {
        if (!ReferenceEquals(Interlocked.Exchange(ref logged, error), error))
        {
            log.LogError(error, "A background embedding batch failed; the embedder tries again after a back-off, and the error clears once a batch succeeds.");
        }
    }
}
