namespace AgentMem.Retrieval.Vectors;

/// <summary>How vectors are compared. Every metric is expressed as a distance: smaller is closer.</summary>
public enum VectorMetric
{
    /// <summary>Squared Euclidean distance (SIFT-style data).</summary>
    L2 = 0,

    /// <summary>1 − cosine similarity; vectors need not be normalised.</summary>
    Cosine = 1,

    /// <summary>−(a·b), for vectors already L2-normalised (cheapest cosine).</summary>
    InnerProduct = 2,
}
