namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// Which graph nodes a search has already seen: one int stamp per node, and a generation number that
/// moves on for every search, so starting a search costs nothing instead of clearing an array.
/// </summary>
internal sealed class VisitedSet
{
    private int[] stamps = [];
    private int generation;

    /// <summary>Starts a new search over nodes 0..<paramref name="nodeCount"/>-1.</summary>
    public void Reset(int nodeCount)
    {
        if (stamps.Length < nodeCount)
        {
            stamps = new int[Math.Max(nodeCount, stamps.Length * 2)];
            generation = 0;
        }

        if (++generation == int.MaxValue)
        {
            Array.Clear(stamps);
            generation = 1;
        }
    }

    /// <summary>Marks a node; false if this search had already marked it.</summary>
    public bool TryVisit(int node)
    {
        ref int stamp = ref stamps[node];
        if (stamp == generation)
        {
            return false;
        }

        stamp = generation;
        return true;
    }

    public bool WasVisited(int node) => stamps[node] == generation;
}
