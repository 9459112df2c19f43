namespace AgentMem.TestSupport;

/// <summary>
/// An <see cref="IProgress{T}"/> that hands each report to <paramref name="report"/> at once, on the reporting thread and
/// one at a time (<see cref="Progress{T}"/> posts them later, so a test could assert before they arrive).
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock gate = new();

    /// <inheritdoc/>
    public void Report(T value)
    {
        lock (gate)
        {
            report(value);
        }
    }
}
