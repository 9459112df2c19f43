namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// Per-thread working memory of <see cref="HnswIndex"/> searches and inserts (visited set, heaps,
/// neighbour-selection buffers). One per thread, shared by every index the thread uses: a thread runs
/// one operation at a time, and every operation starts by resetting what it uses.
/// </summary>
internal sealed class HnswScratch
{
    [ThreadStatic]
    private static HnswScratch? current;

    public static HnswScratch Current => current ??= new HnswScratch();

    public VisitedSet Visited { get; } = new();

    public DistanceHeap Candidates { get; } = new(farthestOnTop: false);

    public DistanceHeap Results { get; } = new(farthestOnTop: true);

    /// <summary>Candidates of a neighbour selection, sorted closest first.</summary>
    public int[] SelectNodes { get; private set; } = new int[64];

    /// <summary>Distances matching <see cref="SelectNodes"/>.</summary>
    public float[] SelectDistances { get; private set; } = new float[64];

    /// <summary>Output of a neighbour selection.</summary>
    public int[] Chosen { get; private set; } = new int[64];

    /// <summary>Candidates the heuristic discarded (kept for keepPrunedConnections).</summary>
    public int[] Pruned { get; private set; } = new int[64];

    /// <summary>A copy of a node's links while they are rewritten.</summary>
    public int[] LinkCopy { get; private set; } = new int[64];

    public void EnsureSelectionCapacity(int n)
    {
        if (SelectNodes.Length < n)
        {
            int size = Math.Max(n, SelectNodes.Length * 2);
            SelectNodes = new int[size];
            SelectDistances = new float[size];
            Chosen = new int[size];
            Pruned = new int[size];
            LinkCopy = new int[size];
        }
    }
}
