namespace AgentMem.Retrieval.Hybrid;

/// <summary>How the hybrid retriever combines its signals.</summary>
public enum FusionMethod
{
    /// <summary>Each signal scaled to [0, 1] by its best score, then a weighted sum.</summary>
    Weighted = 0,

    /// <summary>
    /// Reciprocal rank fusion: Σ weight · (k + 1) / (k + rank) over signals (rank from 1); ignores score scales. The factor
    /// k + 1 gives a signal's top memory its whole weight, as <see cref="Weighted"/> does, so the boosts added afterwards
    /// (actor, recency, tags ...) weigh the same against either fusion.
    /// </summary>
    ReciprocalRank = 1,
}
