namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// A binary heap of (distance, node) pairs over a reusable array, so graph searches do not allocate.
/// A min-heap pops the closest first (the candidate queue); a max-heap keeps the farthest on top (the
/// bounded result set, whose top is the distance a new node must beat). Both are min-heaps on a key:
/// the max-heap stores negated distances, so the comparisons carry no branch on the heap's kind.
/// </summary>
/// <remarks>
/// Each entry keeps its key and node side by side (one load per level instead of two arrays). Removing
/// the top walks the hole down to a leaf along the smaller child, one comparison per level, then lifts the
/// displaced element from there (the bottom-up heapsort trick): in HNSW both the last element of a pop
/// and the new entry of <see cref="ReplaceTop"/> belong near the leaves, so this halves the comparisons
/// of a classic sift-down, whose branches are unpredictable. Indexing is unchecked (references into the
/// array): every index is kept below <see cref="Count"/>, and Count never exceeds the array's length.
/// </remarks>
internal sealed class DistanceHeap
{
    private readonly float sign;
    private Entry[] entries = new Entry[64];

    public DistanceHeap(bool farthestOnTop) => sign = farthestOnTop ? -1f : 1f;

    public int Count { get; private set; }

    /// <summary>
    /// The entries, for a hot loop that runs the heap from locals (<see cref="SiftUp"/>, <see cref="Reinsert"/>
    /// on this reference and its own count, then <see cref="SetCount"/>): valid until the next growth.
    /// </summary>
    internal ref Entry Items => ref MemoryMarshal.GetArrayDataReference(entries);

    /// <summary>Entries the heap holds without growing.</summary>
    internal int Capacity => entries.Length;

    /// <summary>Room for <paramref name="capacity"/> entries, keeping the current ones.</summary>
    internal void EnsureCapacity(int capacity)
    {
        if (entries.Length < capacity)
        {
            Array.Resize(ref entries, Math.Max(capacity, entries.Length * 2));
        }
    }

    /// <summary>Hands back the count of a heap run from locals through <see cref="Items"/>.</summary>
    internal void SetCount(int count) => Count = count;

    public float TopDistance => sign * MemoryMarshal.GetArrayDataReference(entries).Key;

    public int TopNode => MemoryMarshal.GetArrayDataReference(entries).Node;

    public void Clear() => Count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(int node, float distance)
    {
        int i = Count;
        if (i == entries.Length)
        {
            Grow();
        }

        Count = i + 1;
        SiftUp(ref MemoryMarshal.GetArrayDataReference(entries), i, new Entry(sign * distance, node));
    }

    /// <summary>Removes the top entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Pop()
    {
        int last = --Count;
        if (last > 0)
        {
            ref Entry e = ref MemoryMarshal.GetArrayDataReference(entries);
            Reinsert(ref e, last, Unsafe.Add(ref e, last));
        }
    }

    /// <summary>Pop, then Push of (<paramref name="node"/>, <paramref name="distance"/>) in one pass (Count must be above 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReplaceTop(int node, float distance) =>
        Reinsert(ref MemoryMarshal.GetArrayDataReference(entries), Count, new Entry(sign * distance, node));

    /// <summary>Fills the hole at the root of a heap of <paramref name="count"/> entries with <paramref name="item"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Reinsert(ref Entry e, int count, Entry item)
    {
        // Down to a leaf along the smaller child (one comparison a level, no test against item) ...
        int hole = 0;
        int child = 1;
        while (child + 1 < count)
        {
            // Branch-free choice of the smaller child: the comparison's outcome is a coin toss.
            child += Unsafe.BitCast<bool, byte>(Unsafe.Add(ref e, child + 1).Key < Unsafe.Add(ref e, child).Key);
            Unsafe.Add(ref e, hole) = Unsafe.Add(ref e, child);
            hole = child;
            child = (2 * child) + 1;
        }

        if (child < count)
        {
            Unsafe.Add(ref e, hole) = Unsafe.Add(ref e, child);
            hole = child;
        }

        // ... then back up to where item belongs (usually a level or two).
        SiftUp(ref e, hole, item);
    }

    /// <summary>Puts <paramref name="item"/> in the hole at <paramref name="i"/> (a push when i is the count), moving it up as far as it belongs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SiftUp(ref Entry e, int i, Entry item)
    {
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            ref Entry p = ref Unsafe.Add(ref e, parent);
            if (!(item.Key < p.Key))
            {
                break;
            }

            Unsafe.Add(ref e, i) = p;
            i = parent;
        }

        Unsafe.Add(ref e, i) = item;
    }

    /// <summary>
    /// Writes the (up to) <paramref name="k"/> entries of smallest distance, closest first, and empties
    /// the heap; returns how many. One pass with an insertion into a short sorted list: a search's result
    /// set holds ef entries of which k are wanted, and popping ef − k of them cost more than the pass.
    /// </summary>
    public int DrainClosest(int k, Span<float> distances, Span<int> nodes)
    {
        int taken = 0;
        ref Entry e = ref MemoryMarshal.GetArrayDataReference(entries);
        for (int i = 0; i < Count; i++)
        {
            ref Entry entry = ref Unsafe.Add(ref e, i);
            float distance = sign * entry.Key;
            int at = taken;
            if (at == k)
            {
                if (!(distance < distances[k - 1]))
                {
                    continue;
                }

                at--;
            }
            else
            {
                taken++;
            }

            for (; at > 0 && distance < distances[at - 1]; at--)
            {
                distances[at] = distances[at - 1];
                nodes[at] = nodes[at - 1];
            }

            distances[at] = distance;
            nodes[at] = entry.Node;
        }

        Count = 0;
        return taken;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow() => Array.Resize(ref entries, entries.Length * 2);

    /// <summary>A heap entry: the key (the distance, negated in a farthest-on-top heap) and the node.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly struct Entry(float key, int node)
    {
        public readonly float Key = key;
        public readonly int Node = node;
    }
}
