namespace AgentMem.Benchmarks.Metrics;

/// <summary>
/// Retrieval (and optional QA) metrics of a group of questions: overall, one category, or one
/// excluded (adversarial) category. Means are null when no question in the group qualifies.
/// </summary>
/// <param name="Questions">Questions in the group.</param>
/// <param name="Scored">Questions with gold evidence turns: the denominator of the turn-level metrics.</param>
/// <param name="SessionScored">Questions with gold evidence sessions: the denominator of session recall.</param>
/// <param name="Recall">Mean turn-level evidence recall@k, keyed by k.</param>
/// <param name="AnyHitRecall">Mean any-hit recall@k, keyed by k.</param>
/// <param name="SessionRecall">Mean session-level recall@k, keyed by k.</param>
/// <param name="SessionRecallAny">LongMemEval's recall_any@k: share of questions with at least one gold session in the top k.</param>
/// <param name="SessionRecallAll">LongMemEval's recall_all@k: share of questions with every gold session in the top k.</param>
/// <param name="Ndcg">Mean NDCG@k, keyed by k.</param>
/// <param name="Mrr">Mean reciprocal rank within the top max(k) hits (MRR@max k).</param>
/// <param name="Qa">QA score means, or null when no question in the group has QA scores.</param>
public sealed record MetricGroup(
    int Questions,
    int Scored,
    int SessionScored,
    IReadOnlyDictionary<int, double?> Recall,
    IReadOnlyDictionary<int, double?> AnyHitRecall,
    IReadOnlyDictionary<int, double?> SessionRecall,
    IReadOnlyDictionary<int, double?> SessionRecallAny,
    IReadOnlyDictionary<int, double?> SessionRecallAll,
    IReadOnlyDictionary<int, double?> Ndcg,
    double? Mrr,
    QaSummary? Qa);
