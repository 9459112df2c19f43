namespace AgentMem.Benchmarks.Metrics;

/// <summary>
/// Ranked-retrieval metrics over turn ids. "Top k" means the first k entries of the ranked list,
/// duplicates included; a gold id counts once however often it is retrieved. Every metric needs
/// at least one gold id: questions without gold evidence have no defined recall, so callers
/// (see <see cref="EvaluationAccumulator"/>) leave them out and count them separately.
/// </summary>
public static class RetrievalMetrics
{
    /// <summary>Turn-level evidence recall@k: fraction of gold turns among the top k.</summary>
    /// <param name="ranked">Retrieved turn ids, best first.</param>
    /// <param name="gold">Gold evidence turn ids (non-empty).</param>
    /// <param name="k">Cut-off (at least 1).</param>
    /// <returns>Recall in [0, 1].</returns>
    public static double Recall(IReadOnlyList<string> ranked, IReadOnlySet<string> gold, int k)
    {
        Validate(ranked, gold, k);
        return (double)DistinctHits(ranked, gold, k) / gold.Count;
    }

    /// <summary>Any-hit recall@k: 1 if at least one gold turn is among the top k, else 0.</summary>
    /// <param name="ranked">Retrieved turn ids, best first.</param>
    /// <param name="gold">Gold evidence turn ids (non-empty).</param>
    /// <param name="k">Cut-off (at least 1).</param>
    /// <returns>0 or 1.</returns>
    public static double AnyHit(IReadOnlyList<string> ranked, IReadOnlySet<string> gold, int k)
    {
        Validate(ranked, gold, k);
        return FirstHitRank(ranked, gold, k) > 0 ? 1 : 0;
    }

    /// <summary>
    /// Session-level recall@k: fraction of gold sessions that own at least one of the top k turns.
    /// </summary>
    /// <param name="rankedTurnIds">Retrieved turn ids, best first.</param>
    /// <param name="goldSessions">Gold evidence session ids (non-empty).</param>
    /// <param name="k">Cut-off in turns (at least 1).</param>
    /// <param name="sessionOf">Maps a turn id to its session id (e.g. <see cref="Datasets.TurnIds.SessionOf"/>).</param>
    /// <returns>Recall in [0, 1].</returns>
    public static double SessionRecall(
        IReadOnlyList<string> rankedTurnIds,
        IReadOnlySet<string> goldSessions,
        int k,
        Func<string, string> sessionOf)
    {
        ArgumentNullException.ThrowIfNull(sessionOf);
        Validate(rankedTurnIds, goldSessions, k);
        var sessions = new string[Math.Min(k, rankedTurnIds.Count)];
        for (int i = 0; i < sessions.Length; i++)
        {
            sessions[i] = sessionOf(rankedTurnIds[i]);
        }

        return Recall(sessions, goldSessions, k);
    }

    /// <summary>
    /// Session-level recall@k when the session of each retrieved item is given directly: fraction
    /// of gold sessions among the first k entries.
    /// </summary>
    /// <param name="rankedSessionIds">Session id of each retrieved item, best first.</param>
    /// <param name="goldSessions">Gold evidence session ids (non-empty).</param>
    /// <param name="k">Cut-off in retrieved items (at least 1).</param>
    /// <returns>Recall in [0, 1].</returns>
    public static double SessionRecall(IReadOnlyList<string> rankedSessionIds, IReadOnlySet<string> goldSessions, int k)
    {
        // Recall over session ids: the same fraction as turn-level recall, over other ids.
        return Recall(rankedSessionIds, goldSessions, k);
    }

    /// <summary>
    /// LongMemEval's recall_any@k on sessions: 1 when at least one gold session is among the first k entries, else 0.
    /// LongMemEval's k counts distinct sessions: give each session once, in rank order (<see cref="EvaluationAccumulator"/> does).
    /// </summary>
    /// <param name="rankedSessionIds">Session id of each retrieved item, best first.</param>
    /// <param name="goldSessions">Gold evidence session ids (non-empty).</param>
    /// <param name="k">Cut-off in retrieved items (at least 1).</param>
    public static double SessionRecallAny(IReadOnlyList<string> rankedSessionIds, IReadOnlySet<string> goldSessions, int k)
    {
        return AnyHit(rankedSessionIds, goldSessions, k);
    }

    /// <summary>
    /// LongMemEval's recall_all@k on sessions: 1 when every gold session is among the first k entries, else 0.
    /// LongMemEval's k counts distinct sessions: give each session once, in rank order (<see cref="EvaluationAccumulator"/> does).
    /// </summary>
    /// <param name="rankedSessionIds">Session id of each retrieved item, best first.</param>
    /// <param name="goldSessions">Gold evidence session ids (non-empty).</param>
    /// <param name="k">Cut-off in retrieved items (at least 1).</param>
    public static double SessionRecallAll(IReadOnlyList<string> rankedSessionIds, IReadOnlySet<string> goldSessions, int k)
    {
        Validate(rankedSessionIds, goldSessions, k);
        return DistinctHits(rankedSessionIds, goldSessions, k) == goldSessions.Count ? 1 : 0;
    }

    /// <summary>
    /// NDCG@k with binary relevance: DCG = sum over top-k positions i (1-based) holding a not yet
    /// seen gold id of 1 / log2(i + 1), divided by the ideal DCG of min(k, |gold|) hits at the top.
    /// </summary>
    /// <param name="ranked">Retrieved turn ids, best first.</param>
    /// <param name="gold">Gold evidence turn ids (non-empty).</param>
    /// <param name="k">Cut-off (at least 1).</param>
    /// <returns>NDCG in [0, 1].</returns>
    public static double Ndcg(IReadOnlyList<string> ranked, IReadOnlySet<string> gold, int k)
    {
        Validate(ranked, gold, k);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        double dcg = 0;
        int limit = Math.Min(k, ranked.Count);
        for (int i = 0; i < limit; i++)
        {
            if (gold.Contains(ranked[i]) && seen.Add(ranked[i]))
            {
                dcg += 1 / Math.Log2(i + 2);
            }
        }

        double ideal = 0;
        int idealHits = Math.Min(k, gold.Count);
        for (int i = 0; i < idealHits; i++)
        {
            ideal += 1 / Math.Log2(i + 2);
        }

        return dcg / ideal;
    }

    /// <summary>Reciprocal rank of the first gold turn (1-based), or 0 if none is retrieved (within the cut-off, if given).</summary>
    /// <param name="ranked">Retrieved turn ids, best first.</param>
    /// <param name="gold">Gold evidence turn ids (non-empty).</param>
    /// <param name="k">Optional cut-off (at least 1); null searches the whole list.</param>
    /// <returns>Reciprocal rank in [0, 1].</returns>
    public static double ReciprocalRank(IReadOnlyList<string> ranked, IReadOnlySet<string> gold, int? k = null)
    {
        Validate(ranked, gold, k ?? int.MaxValue);
        int rank = FirstHitRank(ranked, gold, k ?? int.MaxValue);
        return rank > 0 ? 1.0 / rank : 0;
    }

    private static int DistinctHits(IReadOnlyList<string> ranked, IReadOnlySet<string> gold, int k)
    {
        var hits = new HashSet<string>(StringComparer.Ordinal);
        int limit = Math.Min(k, ranked.Count);
        for (int i = 0; i < limit; i++)
        {
            if (gold.Contains(ranked[i]))
            {
                hits.Add(ranked[i]);
            }
        }

        return hits.Count;
    }

    private static int FirstHitRank(IReadOnlyList<string> ranked, IReadOnlySet<string> gold, int k)
    {
        int limit = Math.Min(k, ranked.Count);
        for (int i = 0; i < limit; i++)
        {
            if (gold.Contains(ranked[i]))
            {
                return i + 1;
            }
        }

        return 0;
    }

    private static void Validate(IReadOnlyList<string> ranked, IReadOnlySet<string> gold, int k)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (gold.Count == 0)
        {
            throw new ArgumentException("Retrieval metrics are undefined without gold evidence.", nameof(gold));
        }
    }
}
