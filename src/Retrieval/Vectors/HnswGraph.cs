namespace AgentMem.Retrieval.Vectors;

/// <summary>The raw state of an <see cref="HnswIndex"/>, as <see cref="HnswFile"/> writes and reads it (arrays may be longer than <see cref="NodeCount"/> rows).</summary>
internal sealed record HnswGraph(
    int Dimension,
    VectorMetric Metric,
    HnswOptions Options,
    int NodeCount,
    int EntryPoint,
    int MaxLevel,
    ReadOnlyMemory<float> Vectors,
    long[] Keys,
    int[] Levels,
    bool[] Deleted,
    int[] Links0,
    int[]?[] UpperLinks);
