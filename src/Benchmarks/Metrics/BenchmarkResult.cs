namespace AgentMem.Benchmarks.Metrics;

/// <summary>Aggregated outcome of a benchmark run, produced by <see cref="EvaluationAccumulator.Build"/>.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Questions">All questions recorded, excluded ones included.</param>
/// <param name="Ks">Cut-offs the recall-style metrics are reported at, ascending.</param>
/// <param name="Overall">Metrics over the headline (non-excluded) questions.</param>
/// <param name="ByCategory">Headline questions per category, categories in natural order (numbers numerically).</param>
/// <param name="Excluded">Adversarial questions per category, reported apart from the headline numbers; empty when they are included.</param>
/// <param name="Latency">Latency percentiles and ingest throughput.</param>
/// <param name="Tokens">Mean context sizes over all questions.</param>
public sealed record BenchmarkResult(
    string Dataset,
    int Questions,
    IReadOnlyList<int> Ks,
    MetricGroup Overall,
    IReadOnlyDictionary<string, MetricGroup> ByCategory,
    IReadOnlyDictionary<string, MetricGroup> Excluded,
    LatencySummary Latency,
    TokenSummary Tokens)
{
    /// <summary>
    /// Headline questions without gold evidence turns, left out of the turn-level metrics; one with gold sessions only (a
    /// dataset naming evidence sessions but none of their turns) is among them, and still scored by session
    /// (<see cref="MetricGroup.SessionScored"/>). Reported as "without gold turns".
    /// </summary>
    public int NoEvidence => Overall.Questions - Overall.Scored;

    /// <summary>
    /// Questions whose answer from the retrieved memories could not be had (the reader or the judge endpoint refused the
    /// request, gave up after its retries, or timed out): still scored for retrieval, left out of every
    /// <see cref="MetricGroup.Qa"/>.
    /// </summary>
    public int QaSkipped { get; init; }

    /// <summary>Answer quality of the full-context baseline (whole conversation as context), when QA ran.</summary>
    public QaSummary? FullContextQa { get; init; }

    /// <summary>
    /// Questions whose full-context baseline answer could not be had (the endpoint refused the whole conversation or timed
    /// out): left out of <see cref="FullContextQa"/>, which is null when every one was.
    /// </summary>
    public int FullContextQaSkipped { get; init; }
}
