namespace AgentMem.Retrieval.Vectors;

/// <summary>A search result: the caller's key and its distance to the query (smaller is closer).</summary>
/// <param name="Key">The key given when the vector was added.</param>
/// <param name="Distance">Distance under the index's <see cref="VectorMetric"/>.</param>
public readonly record struct VectorMatch(long Key, float Distance);
