using AgentMem.MemoryCore.Text;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Retrieval.State;

/// <summary>
/// The passages of a cube's long memories (texts over 1.5 × the passage size), each a BM25 document of its own that
/// points back to its memory's slot and its place in the memory's text. A fact in one paragraph of a 3,000-word
/// answer is buried by whole-text length normalisation; scored alone, its passage stands out. Short memories have no
/// passages here: the whole-memory index already scores them as they are, so a cube of short turns ranks exactly as
/// it would without this column. Not thread-safe: the owning <see cref="CubeIndex"/> is serialised.
/// </summary>
internal sealed class PassageColumn
{
    private readonly Dictionary<int, int[]> passagesOf = [];
    private readonly Stack<int> free = new();
    private int[] slotOf = new int[64];
    private TextSpan[] spans = new TextSpan[64];
    private int capacity;

    public PassageColumn(int passageChars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passageChars, 16);
        PassageChars = passageChars;
    }

    /// <summary>Target passage length in characters.</summary>
    public int PassageChars { get; }

    /// <summary>BM25 postings of every passage (documents are passage numbers).</summary>
    public IncrementalBm25 Index { get; } = new();

    /// <summary>Passages indexed.</summary>
    public int Count => Index.DocumentCount;

    /// <summary>Memories indexed as passages.</summary>
    public int Memories => passagesOf.Count;

    /// <summary>One past the highest passage number in use.</summary>
    public int Capacity => capacity;

    public long EstimatedBytes => Index.EstimatedBytes + (slotOf.Length * 12L) + (passagesOf.Count * 48L);

    /// <summary>Whether a text of <paramref name="length"/> characters is cut into passages.</summary>
    public bool IsLong(int length) => length > PassageChars + (PassageChars / 2);

    /// <summary>The passages of the memory in <paramref name="slot"/> (empty for a short one).</summary>
    public ReadOnlySpan<int> PassagesOf(int slot) => passagesOf.TryGetValue(slot, out var list) ? list : [];

    public TextSpan SpanOf(int passage) => spans[passage];

    public int SlotOf(int passage) => slotOf[passage];

    /// <summary>Indexes <paramref name="text"/> (a memory's text) as passages of <paramref name="slot"/>, replacing any it had; a short text gets none.</summary>
    public void Set(int slot, string text)
    {
        Remove(slot);
        if (!IsLong(text.Length))
        {
            return;
        }

        var cuts = PassageSplitter.Split(text, PassageChars);
        var numbers = new int[cuts.Count];
        for (int i = 0; i < cuts.Count; i++)
        {
            numbers[i] = Claim(slot, cuts[i]);
            Index.Set(numbers[i], TextAnalyzer.Terms(text.Substring(cuts[i].Start, cuts[i].Length)));
        }

        passagesOf[slot] = numbers;
    }

    /// <summary>Adds one passage read back from a snapshot, with its analysed terms and their frequencies.</summary>
    public void Restore(int slot, TextSpan span, IReadOnlyDictionary<string, int> termCounts)
    {
        int number = Claim(slot, span);
        Index.Set(number, termCounts);
        passagesOf[slot] = passagesOf.TryGetValue(slot, out var list) ? [.. list, number] : [number];
    }

    public void Remove(int slot)
    {
        if (!passagesOf.Remove(slot, out var numbers))
        {
            return;
        }

        foreach (int n in numbers)
        {
            Index.Remove(n);
            slotOf[n] = -1;
            free.Push(n);
        }
    }

    /// <summary>
    /// Raises each long memory's score in <paramref name="slotScores"/> to its best passage's BM25, scored against the
    /// cube's memories (<paramref name="memories"/>: IDF over memories, their average length), and records that passage
    /// in <paramref name="bestPassage"/> (−1 where none matched). Returns the best score written, or 0.
    /// </summary>
    public float RaiseToBestPassage(IReadOnlyList<string> queryTerms, IncrementalBm25 memories, Span<float> slotScores, Span<int> bestPassage)
    {
        if (Index.DocumentCount == 0)
        {
            return 0;
        }

        var scores = System.Buffers.ArrayPool<float>.Shared.Rent(capacity);
        try
        {
            Array.Clear(scores, 0, capacity);
            if (Index.Score(queryTerms, scores.AsSpan(0, capacity), memories) <= 0)
            {
                return 0;
            }

            var best = new Dictionary<int, (int Passage, float Score)>();
            for (int p = 0; p < capacity; p++)
            {
                float s = scores[p];
                if (s > 0 && (!best.TryGetValue(slotOf[p], out var current) || s > current.Score))
                {
                    best[slotOf[p]] = (p, s);
                }
            }

            float max = 0;
            foreach (var (slot, (passage, score)) in best)
            {
                bestPassage[slot] = passage;
                if (score > slotScores[slot])
                {
                    slotScores[slot] = score;
                }

                max = Math.Max(max, slotScores[slot]);
            }

            return max;
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(scores);
        }
    }

    /// <summary>The passages of each long memory with their analysed terms, for a snapshot.</summary>
    public IReadOnlyList<(TextSpan Span, IReadOnlyList<(string Term, int Tf)> Terms)> Export(int slot)
    {
        var numbers = PassagesOf(slot);
        var result = new (TextSpan, IReadOnlyList<(string, int)>)[numbers.Length];
        for (int i = 0; i < numbers.Length; i++)
        {
            result[i] = (spans[numbers[i]], Index.DocumentTerms(numbers[i]));
        }

        return result;
    }

    private int Claim(int slot, TextSpan span)
    {
        int n = free.Count > 0 ? free.Pop() : capacity;
        if (n >= slotOf.Length)
        {
            int size = Math.Max(n + 1, slotOf.Length * 2);
            Array.Resize(ref slotOf, size);
            Array.Resize(ref spans, size);
        }

        capacity = Math.Max(capacity, n + 1);
        slotOf[n] = slot;
        spans[n] = span;
        return n;
    }
}
