namespace AgentMem.Retrieval.Hybrid;

/// <summary>How the hybrid retriever combines its signals.</summary>
public enum FusionMethod
{
    /// <summary>Each signal scaled to [0, 1] by its best score, then a weighted sum.</summary>
    Weighted = 0,

    /// <summary>Reciprocal rank fusion: Σ weight / (k + rank) over signals; ignores score scales.</summary>
    ReciprocalRank = 1,
}
