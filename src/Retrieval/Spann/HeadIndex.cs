using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Spann;

/// <summary>
/// The heads of a <see cref="SpannIndex"/>: the HNSW graph (what is saved), plus, while there are at
/// most <see cref="SpannOptions.ExactHeadLimit"/> heads, an exact mirror that answers the searches.
/// Heads are centroids of overlapping clusters and look close to isotropic, which is the hard case for
/// a graph: its approximate nearest heads miss true ones, and every missed head is a posting not
/// probed. A scan of a few thousand heads costs less than a millisecond and misses none.
/// </summary>
internal sealed class HeadIndex : IDisposable
{
    private readonly HnswIndex graph;
    private readonly int exactLimit;
    private ExactVectorIndex? exact;

    public HeadIndex(HnswIndex graph, int exactLimit, IEnumerable<int> keys)
    {
        this.graph = graph;
        this.exactLimit = exactLimit;
        if (graph.Count <= exactLimit)
        {
            exact = new ExactVectorIndex(graph.Dimension, graph.Metric, Math.Max(16, graph.Count));
            var vector = new float[graph.Dimension];
            foreach (int key in keys)
            {
                if (graph.TryCopyVector(key, vector))
                {
                    exact.Add(key, vector);
                }
            }
        }
    }

    public int Count => graph.Count;

    public int Dimension => graph.Dimension;

    public VectorMetric Metric => graph.Metric;

    /// <summary>Whether searches scan every head (the mirror is kept) rather than walk the graph.</summary>
    public bool IsExact => exact is not null;

    /// <summary>Bytes of the graph and, when kept, the exact mirror.</summary>
    public long MemoryBytes => graph.MemoryBytes + (exact is null ? 0 : (long)exact.Count * (Dimension * sizeof(float) + 24));

    public void Add(long key, ReadOnlySpan<float> vector)
    {
        graph.Add(key, vector);
        if (exact is not null)
        {
            exact.Add(key, vector);
            if (exact.Count > exactLimit)
            {
                exact.Dispose();
                exact = null; // grown past the limit: the graph answers from now on
            }
        }
    }

    public bool Remove(long key)
    {
        exact?.Remove(key);
        return graph.Remove(key);
    }

    /// <summary>The k nearest heads: exact while the mirror is kept, else the graph with beam <paramref name="ef"/>.</summary>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, int ef) =>
        exact is not null ? exact.Search(query, k) : graph.Search(query, k, ef);

    /// <inheritdoc cref="Search(ReadOnlySpan{float}, int, int)"/>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k) =>
        exact is not null ? exact.Search(query, k) : graph.Search(query, k);

    public bool TryCopyVector(long key, Span<float> into) => graph.TryCopyVector(key, into);

    public void Save(string path) => graph.Save(path);

    public void Dispose()
    {
        exact?.Dispose();
        graph.Dispose();
    }
}
