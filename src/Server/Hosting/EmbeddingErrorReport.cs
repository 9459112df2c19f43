namespace AgentMem.Server.Hosting;

/// <summary>
/// What <c>/health</c>, which needs no key, says of a stopped background embedder: the failure's kind only. Its message
/// can name the embedding endpoint, echo its answer (a key in an error body) or a file path, so the whole exception goes
/// to the service log instead, once per failure.
/// </summary>
internal sealed class EmbeddingErrorReport(ILogger<EmbeddingErrorReport> log)
{
    private Exception? logged;

    /// <summary>The public summary of <paramref name="error"/> (null when there is none), logging it in full the first time.</summary>
    public string? Describe(Exception? error)
    {
        if (error is null)
        {
            return null;
        }

        if (!ReferenceEquals(Interlocked.Exchange(ref logged, error), error))
        {
            log.LogError(error, "A background embedding batch failed; the embedder tries again after a back-off, and the error clears once a batch succeeds.");
        }

        return $"the background embedder stopped ({error.GetType().Name}); the service log has the details";
    }
}
