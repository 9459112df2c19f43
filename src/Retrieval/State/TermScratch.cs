namespace AgentMem.Retrieval.State;

/// <summary>
/// Per-thread buffers for the window and session BM25 passes. The counters are kept all-zero between uses (each
/// pass resets exactly what it touched), so a search at 100k memories neither clears nor rents 800 KB of counters,
/// and the lists keep their capacity instead of regrowing through every search.
/// </summary>
internal sealed class TermScratch
{
    [ThreadStatic]
    private static TermScratch? current;

    private int[] tf = [];
    private int[] ownTf = [];
    private int[] seen = [];
    private bool inUse;

    public List<int> Touched { get; } = [];

    public List<int> TouchedGroups { get; } = [];

    public List<(int Doc, int Tf)> Postings { get; } = [];

    /// <summary>Frequency per document or window (zero outside a pass).</summary>
    public int[] Tf => tf;

    /// <summary>A document's own frequency while windows slide over it (zero outside a pass).</summary>
    public int[] OwnTf => ownTf;

    /// <summary>Marks per session (zero outside a pass).</summary>
    public int[] Seen => seen;

    /// <summary>The calling thread's scratch, with counters for <paramref name="documents"/> documents and <paramref name="groups"/> sessions; give it back with <see cref="Release"/>.</summary>
    public static TermScratch Take(int documents, int groups)
    {
        var scratch = current ??= new TermScratch();
        if (scratch.inUse)
        {
            // A pass ended by an exception may have left counters set.
            Array.Clear(scratch.tf);
            Array.Clear(scratch.ownTf);
            Array.Clear(scratch.seen);
        }

        scratch.inUse = true;
        Grow(ref scratch.tf, documents);
        Grow(ref scratch.ownTf, documents);
        Grow(ref scratch.seen, groups);
        scratch.Touched.Clear();
        scratch.TouchedGroups.Clear();
        scratch.Postings.Clear();
        return scratch;
    }

    /// <summary>Ends a pass that reset every counter it set.</summary>
    public void Release() => inUse = false;

    private static void Grow(ref int[] array, int length)
    {
        if (array.Length < length)
        {
            array = new int[Math.Max(length, array.Length + (array.Length / 2))];
        }
    }
}
