namespace AgentMem.Benchmarks.Runner;

/// <summary>
/// A benchmark run was cancelled (<see cref="BenchmarkRunner.RunAsync"/>'s token): a cancellation like any other, which also
/// carries the questions scored before it (<see cref="Partial"/>), so a host can keep what the run had paid for (reader and
/// judge calls, hours of them in QA mode) instead of losing it with the run.
/// </summary>
public sealed class BenchmarkInterruptedException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public BenchmarkInterruptedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BenchmarkInterruptedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public BenchmarkInterruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a run cancelled by <paramref name="cause"/> with <paramref name="partial"/> scored of <paramref name="selected"/> questions.</summary>
    public BenchmarkInterruptedException(BenchmarkRun partial, int selected, OperationCanceledException cause)
        : base(Describe(partial, selected), cause, (cause ?? throw new ArgumentNullException(nameof(cause))).CancellationToken)
    {
        Partial = partial;
        Selected = selected;
    }

    /// <summary>
    /// The questions scored before the cancellation, as a run's result (its manifest's <c>interrupted</c> is true and
    /// <c>questions_evaluated</c> counts them); a question under way is left out. Null only from the standard constructors.
    /// </summary>
    public BenchmarkRun? Partial { get; }

    /// <summary>The questions the run was to score (<c>questions_selected</c> in the manifest).</summary>
    public int Selected { get; }

    private static string Describe(BenchmarkRun partial, int selected)
    {
        ArgumentNullException.ThrowIfNull(partial);
        return string.Create(CultureInfo.InvariantCulture, $"The benchmark run was cancelled with {partial.Result.Questions:N0} of {selected:N0} questions scored.");
    }
}
