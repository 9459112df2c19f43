namespace AgentMem.Retrieval.Vectors;

/// <summary>Per-search settings of an <see cref="IVectorIndex"/>; an index without the setting ignores it.</summary>
public sealed record VectorSearchOptions
{
    /// <summary>The beam width of a graph search (HNSW's ef; at least k is used). Null: the index's default.</summary>
    public int? BeamWidth { get; init; }
}
