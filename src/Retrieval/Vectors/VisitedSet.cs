namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// Which graph nodes a search has already seen: one 16-bit stamp per node, and a generation number that
/// moves on for every search, so starting a search costs nothing instead of clearing an array. 16 bits
/// halve the stamps' cache footprint (it is touched once per neighbour); the array is cleared once every
/// 65,535 searches when the generation wraps.
/// </summary>
internal sealed class VisitedSet
{
    private ushort[] stamps = [];
    private ushort generation;

    /// <summary>Starts a new search over nodes 0..<paramref name="nodeCount"/>-1.</summary>
    public void Reset(int nodeCount)
    {
        if (stamps.Length < nodeCount)
        {
            stamps = new ushort[Math.Max(nodeCount, stamps.Length * 2)];
            generation = 0;
        }

        if (++generation == ushort.MaxValue)
        {
            Array.Clear(stamps);
            generation = 1;
        }
    }

    /// <summary>Marks a node (0 ≤ node &lt; the count given to <see cref="Reset"/>; unchecked); false if this search had already marked it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryVisit(int node)
    {
        ref ushort stamp = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(stamps), (nint)(uint)node);
        if (stamp == generation)
        {
            return false;
        }

        stamp = generation;
        return true;
    }

    public bool WasVisited(int node) => stamps[node] == generation;

    /// <summary>The stamp of node 0, for a search loop that marks nodes itself (as <see cref="TryVisit"/> does) from locals.</summary>
    public ref ushort Stamps => ref MemoryMarshal.GetArrayDataReference(stamps);

    /// <summary>The stamp meaning "visited" in the current search.</summary>
    public ushort Generation => generation;
}
