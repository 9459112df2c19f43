namespace AgentMem.Benchmarks.Reporting;

/// <summary>A metric reported at each cut-off k: its JSON key, its Markdown column label and where a group keeps it.</summary>
/// <param name="Key">The JSON property name.</param>
/// <param name="Label">The column heading in the Markdown report.</param>
/// <param name="Of">The metric's values of a group, keyed by k.</param>
internal sealed record CutoffMetric(string Key, string Label, Func<MetricGroup, IReadOnlyDictionary<int, double?>> Of)
{
    /// <summary>Every per-k metric, in the order both reports list them.</summary>
    public static IReadOnlyList<CutoffMetric> All { get; } =
    [
        new("recall", "evidence recall", g => g.Recall),
        new("any_hit_recall", "any-hit recall", g => g.AnyHitRecall),
        new("session_recall", "session recall (mean)", g => g.SessionRecall),
        new("session_recall_any", "session recall_any", g => g.SessionRecallAny),
        new("session_recall_all", "session recall_all", g => g.SessionRecallAll),
        new("ndcg", "NDCG", g => g.Ndcg),
    ];
}
