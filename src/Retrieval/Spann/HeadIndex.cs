namespace AgentMem.Retrieval.Spann;

/// <summary>
/// The heads of a <see cref="SpannIndex"/>: the HNSW graph (what is saved), searched by scanning every head while
/// there are at most <see cref="SpannOptions.ExactHeadLimit"/> of them. Heads are centroids of overlapping clusters,
/// the graph's hard case (a missed head is a posting not probed), so a small head set is scanned and misses none;
/// past the limit the scan is memory-bound and costs more than the graph's small loss (see the option). The scan
/// reads the rows where the graph keeps them (no second copy: 24 MB at 100k memories of 1,024 dimensions).
/// </summary>
internal sealed class HeadIndex : IDisposable
{
    private readonly HnswIndex graph;
    private readonly int exactLimit;
    private bool exact;

    public HeadIndex(HnswIndex graph, int exactLimit)
    {
        this.graph = graph;
        this.exactLimit = exactLimit;
        exact = graph.Count <= exactLimit;
    }

    public int Count => graph.Count;

    public int Dimension => graph.Dimension;

    public VectorMetric Metric => graph.Metric;

    /// <summary>Whether searches scan every head rather than walk the graph.</summary>
    public bool IsExact => exact;

    /// <summary>Bytes of the graph (the scan reads its rows).</summary>
    public long MemoryBytes => graph.MemoryBytes;

    public void Add(long key, ReadOnlySpan<float> vector)
    {
        graph.Add(key, vector);
        if (exact && graph.Count > exactLimit)
        {
            exact = false; // grown past the limit: the graph answers from now on
        }
    }

    public bool Remove(long key) => graph.Remove(key);

    /// <summary>The k nearest heads: a scan while exact, else the graph with beam <paramref name="ef"/>.</summary>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, int ef) =>
        exact ? graph.SearchExhaustive(query, k) : graph.Search(query, k, ef);

    /// <inheritdoc cref="Search(ReadOnlySpan{float}, int, int)"/>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k) =>
        exact ? graph.SearchExhaustive(query, k) : graph.Search(query, k);

    /// <summary>
    /// The closure candidates of a vector being inserted: always the graph. SPFresh places inserts through its
    /// approximate head index too; a missed head costs one replica a slightly worse posting, not a search its
    /// result, while the scan costs every insert a pass over all heads (0.65 ms at 6,000 heads of 1,024 dimensions).
    /// </summary>
    public IReadOnlyList<VectorMatch> SearchForInsert(ReadOnlySpan<float> vector, int k, int ef) => graph.Search(vector, k, ef);

    public bool TryCopyVector(long key, Span<float> into) => graph.TryCopyVector(key, into);

    public void Save(string path) => graph.Save(path);

    public void Dispose() => graph.Dispose();
}
