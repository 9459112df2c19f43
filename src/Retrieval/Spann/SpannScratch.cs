namespace AgentMem.Retrieval.Spann;

/// <summary>
/// Per-thread search buffers (query copy, posting read buffers, the result heap, the de-duplication
/// set), so a search allocates only its result array once the buffers have grown to the posting sizes.
/// Read buffers are whole pages, matching the page-aligned extents.
/// </summary>
internal sealed class SpannScratch
{
    [ThreadStatic]
    private static SpannScratch? current;

    private readonly List<byte[]> buffers = [];

    private SpannScratch(int dimension) => Query = new float[dimension];

    public float[] Query { get; }

    public List<int> Probes { get; } = [];

    public HashSet<long> Seen { get; } = [];

    /// <summary>The k best so far, farthest on top; nodes index <see cref="TopKeys"/>.</summary>
    public DistanceHeap Top { get; } = new(farthestOnTop: true);

    public List<long> TopKeys { get; } = [];

    /// <summary>Keeps <paramref name="key"/> among the <paramref name="k"/> best in <see cref="Top"/> if it is near enough.</summary>
    public void Offer(long key, float distance, int k)
    {
        if (Top.Count < k)
        {
            TopKeys.Add(key);
            Top.Push(TopKeys.Count - 1, distance);
        }
        else if (distance < Top.TopDistance)
        {
            int slot = Top.TopNode;
            TopKeys[slot] = key;
            Top.ReplaceTop(slot, distance);
        }
    }

    /// <summary>Code-ranked candidates (posting, entry), worst on top of <see cref="CandidateHeap"/>.</summary>
    public List<(int Posting, int Entry)> Candidates { get; } = [];

    public DistanceHeap CandidateHeap { get; } = new(farthestOnTop: true);

    private float[] table = [];
    private float[] distances = [];

    /// <summary>The query's ADC table (<paramref name="length"/> floats).</summary>
    public Span<float> Table(int length)
    {
        if (table.Length < length)
        {
            table = new float[length];
        }

        return table.AsSpan(0, length);
    }

    /// <summary>Code distances of one posting's entries.</summary>
    public Span<float> Distances(int count)
    {
        if (distances.Length < count)
        {
            distances = new float[Math.Max(count, distances.Length * 2)];
        }

        return distances.AsSpan(0, count);
    }

    public static SpannScratch For(int dimension)
    {
        var s = current;
        if (s is null || s.Query.Length != dimension)
        {
            s = current = new SpannScratch(dimension);
        }

        return s;
    }

    /// <summary>Read buffer number <paramref name="slot"/>, at least <paramref name="bytes"/> long (rounded up to pages).</summary>
    public byte[] Buffer(int slot, int bytes)
    {
        while (buffers.Count <= slot)
        {
            buffers.Add([]);
        }

        if (buffers[slot].Length < bytes)
        {
            buffers[slot] = new byte[PostingLayout.ExtentBytes(1, Math.Max(1, bytes))];
        }

        return buffers[slot];
    }
}
