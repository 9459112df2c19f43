namespace AgentMem.Benchmarks.Metrics;

/// <summary>Mean prompt sizes per question; null when no question was recorded.</summary>
/// <param name="ContextMean">Mean tokens of retrieved context.</param>
/// <param name="FullContextMean">Mean tokens of the full conversation (the long-context baseline).</param>
public sealed record TokenSummary(double? ContextMean, double? FullContextMean)
{
    /// <summary>
    /// Mean tokens of the same retrieved memories given whole, where <see cref="ContextMean"/> gives the matched passage
    /// of a long memory: the saving passage-level context buys at the same recall.
    /// </summary>
    public double? WholeMemoriesMean { get; init; }
}
