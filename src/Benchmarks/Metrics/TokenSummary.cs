namespace AgentMem.Benchmarks.Metrics;

/// <summary>Mean prompt sizes per question; null when no question was recorded.</summary>
/// <param name="ContextMean">Mean tokens of retrieved context.</param>
/// <param name="FullContextMean">Mean tokens of the full conversation (the long-context baseline).</param>
public sealed record TokenSummary(double? ContextMean, double? FullContextMean);
