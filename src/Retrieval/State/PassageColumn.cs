namespace AgentMem.Retrieval.State;

/// <summary>
/// The passages of a cube's long memories (texts over 1.5 × the passage size), each a BM25 document of its own that
/// points back to its memory's slot and its place in the memory's text. A fact in one paragraph of a 3,000-word
/// answer is buried by whole-text length normalisation; scored alone, its passage stands out. The lexical corpus is
/// then the passages plus the short memories, each short memory one passage of itself (<see cref="Statistics"/>): a
/// short memory is not stored twice, the figures of the long memories' whole texts are subtracted from the
/// whole-memory index's instead. A cube of short turns has no passages and ranks exactly as it would without this
/// column. Not thread-safe: the owning <see cref="CubeIndex"/> is serialised.
/// </summary>
internal sealed class PassageColumn
{
    private readonly Dictionary<int, int[]> passagesOf = [];
    private readonly Dictionary<int, (string[] Terms, int Length)> wholeOf = [];
    private readonly Dictionary<string, int> wholeFrequency = new(StringComparer.Ordinal);
    private long wholeLength;
    private readonly Stack<int> free = new();
    private int[] slotOf = new int[64];
    private TextSpan[] spans = new TextSpan[64];
    private readonly Dictionary<int, VectorGroup[]> groupsOf = [];
    private int vectorRows;
    private int vectorDimension;
    private int capacity;

    public PassageColumn(int passageChars, int vectorChars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passageChars, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(vectorChars, passageChars);
        PassageChars = passageChars;
        VectorChars = vectorChars;
    }

    /// <summary>Target passage length in characters.</summary>
    public int PassageChars { get; }

    /// <summary>BM25 postings of every passage (documents are passage numbers).</summary>
    public IncrementalBm25 Index { get; } = new();

    /// <summary>Passages indexed.</summary>
    public int Count => Index.DocumentCount;

    public long EstimatedBytes => Index.EstimatedBytes + (slotOf.Length * 20L) + (passagesOf.Count * 48L) + (wholeFrequency.Count * 64L) + (wholeOf.Count * 64L)
        + ((long)vectorRows * ((vectorDimension * 4L) + 24));

    /// <summary>Passage groups with a vector.</summary>
    public int VectorRows => vectorRows;

    /// <summary>Target length of the stretches embedded together (several passages), in characters.</summary>
    public int VectorChars { get; }

    /// <summary>
    /// The stretches of a long memory's text that get a vector each: runs of its consecutive passages of about
    /// <paramref name="vectorChars"/> characters (a sentence model reads a few hundred tokens, and embedding every small
    /// passage would cost several times more for little gain); none for a text a single vector already covers.
    /// </summary>
    public static List<TextSpan> VectorSpans(string text, int passageChars, int vectorChars)
    {
        var groups = new List<TextSpan>();
        if (!IsLong(text.Length, vectorChars))
        {
            return groups;
        }

        foreach (var run in Group(Cut(text, passageChars), vectorChars))
        {
            groups.Add(run);
        }

        return groups;
    }

    /// <summary>
    /// Sets the vectors of the memory's passage groups (<see cref="VectorSpans"/>) from <paramref name="rows"/>: one row of
    /// <paramref name="dimension"/> floats per group, in order (normalised here). Rows that do not fit the memory's groups
    /// (other passage sizes) are ignored: the memory is then found by its own vector alone until it is embedded again.
    /// </summary>
    public void SetVectors(int slot, ReadOnlySpan<float> rows, int dimension)
    {
        var numbers = PassagesOf(slot);
        if (numbers.Length == 0 || dimension <= 0 || (vectorDimension != 0 && vectorDimension != dimension))
        {
            return;
        }

        var runs = GroupsOf(numbers);
        if (runs.Count == 0 || rows.Length != runs.Count * dimension)
        {
            return;
        }

        vectorDimension = dimension;
        var groups = new VectorGroup[runs.Count];
        for (int i = 0; i < runs.Count; i++)
        {
            var row = rows.Slice(i * dimension, dimension);
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
            var v = new float[dimension];
            if (norm > 0)
            {
                System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, v);
            }

            groups[i] = new VectorGroup(runs[i], v);
        }

        DropVectors(slot);
        groupsOf[slot] = groups;
        vectorRows += groups.Length;
    }

    /// <summary>How many vectors the memory's embedding holds beyond its own: one per passage group (0 for a short memory).</summary>
    public int VectorGroupCount(int slot) => GroupsOf(PassagesOf(slot)).Count;

    /// <summary>The memory's passage-group vectors, concatenated in order; empty when it has none.</summary>
    public float[] VectorsOf(int slot)
    {
        if (!groupsOf.TryGetValue(slot, out var groups))
        {
            return [];
        }

        var all = new float[groups.Length * vectorDimension];
        for (int i = 0; i < groups.Length; i++)
        {
            groups[i].Vector.CopyTo(all, i * vectorDimension);
        }

        return all;
    }

    /// <summary>
    /// Raises each long memory's similarity in <paramref name="slotScores"/> to its nearest passage group's (cosine with
    /// the prepared <paramref name="query"/>, kept when at least <paramref name="minSimilarity"/>) and records that
    /// stretch of text in <paramref name="nearest"/>. Returns the slots raised.
    /// </summary>
    public List<int> RaiseByVectors(ReadOnlySpan<float> query, Span<float> slotScores, float minSimilarity, Span<TextSpan> nearest)
    {
        var raised = new List<int>();
        if (vectorRows == 0 || query.Length != vectorDimension)
        {
            return raised;
        }

        foreach (var (slot, groups) in groupsOf)
        {
            float best = float.NegativeInfinity;
            int at = -1;
            for (int g = 0; g < groups.Length; g++)
            {
                float sim = System.Numerics.Tensors.TensorPrimitives.Dot(query, groups[g].Vector);
                if (sim > best)
                {
                    best = sim;
                    at = g;
                }
            }

            if (at >= 0 && best >= minSimilarity && best > slotScores[slot])
            {
                slotScores[slot] = best;
                nearest[slot] = groups[at].Span;
                raised.Add(slot);
            }
        }

        return raised;
    }

    /// <summary>The passage groups of an indexed memory, from its passages' spans (the same runs <see cref="VectorSpans"/> gives for its text).</summary>
    private List<TextSpan> GroupsOf(ReadOnlySpan<int> numbers)
    {
        if (numbers.Length == 0 || !IsLong(SpanOf(numbers[^1]).End - SpanOf(numbers[0]).Start, VectorChars))
        {
            return [];
        }

        var spans = new List<TextSpan>(numbers.Length);
        foreach (int n in numbers)
        {
            spans.Add(SpanOf(n));
        }

        return Group(spans, VectorChars);
    }

    /// <summary>Consecutive passages merged into runs of at most 1.25 × <paramref name="vectorChars"/> characters (or one passage, if longer).</summary>
    private static List<TextSpan> Group(List<TextSpan> passages, int vectorChars)
    {
        var runs = new List<TextSpan>();
        int i = 0;
        while (i < passages.Count)
        {
            int start = passages[i].Start, end = passages[i].End, count = 1;
            while (i + count < passages.Count && passages[i + count].End - start <= vectorChars + (vectorChars / 4))
            {
                end = passages[i + count].End;
                count++;
            }

            runs.Add(new TextSpan(start, end - start));
            i += count;
        }

        return runs;
    }

    private void DropVectors(int slot)
    {
        if (groupsOf.Remove(slot, out var old))
        {
            vectorRows -= old.Length;
        }
    }

    /// <summary>A stretch of consecutive passages embedded together, with its (normalised) vector.</summary>
    private readonly record struct VectorGroup(TextSpan Span, float[] Vector);

    /// <summary>Whether a text of <paramref name="length"/> characters is cut into passages.</summary>
    public bool IsLong(int length) => IsLong(length, PassageChars);

    /// <summary>Whether a text of <paramref name="length"/> characters is cut into passages of <paramref name="passageChars"/>.</summary>
    public static bool IsLong(int length, int passageChars) => length > passageChars + (passageChars / 2);

    /// <summary>The passages <paramref name="text"/> is indexed and embedded as: none for a short text.</summary>
    public static List<TextSpan> Cut(string text, int passageChars) => IsLong(text.Length, passageChars) ? PassageSplitter.Split(text, passageChars) : [];

    /// <summary>The passages of the memory in <paramref name="slot"/> (empty for a short one).</summary>
    public ReadOnlySpan<int> PassagesOf(int slot) => passagesOf.TryGetValue(slot, out var list) ? list : [];

    public TextSpan SpanOf(int passage) => spans[passage];

    /// <summary>
    /// Indexes <paramref name="text"/> (a memory's text) as passages of <paramref name="slot"/>, replacing any it had; a
    /// short text gets none. <paramref name="whole"/> is the memory's document in the whole-memory index, whose figures
    /// the passages stand in for in <see cref="Statistics"/>.
    /// </summary>
    public void Set(int slot, string text, IncrementalBm25 whole)
    {
        Remove(slot);
        if (!IsLong(text.Length))
        {
            return;
        }

        StandIn(slot, whole);
        var cuts = Cut(text, PassageChars);
        var numbers = new int[cuts.Count];
        for (int i = 0; i < cuts.Count; i++)
        {
            numbers[i] = Claim(slot, cuts[i]);
            Index.Set(numbers[i], TextAnalyzer.Terms(text.Substring(cuts[i].Start, cuts[i].Length)));
        }

        passagesOf[slot] = numbers;
    }

    /// <summary>
    /// Adds one passage read back from a snapshot, with its analysed terms and their frequencies; the memory's document in
    /// <paramref name="whole"/> must be restored already.
    /// </summary>
    public void Restore(int slot, TextSpan span, IReadOnlyDictionary<string, int> termCounts, IncrementalBm25 whole)
    {
        if (!passagesOf.ContainsKey(slot))
        {
            StandIn(slot, whole);
        }

        int number = Claim(slot, span);
        Index.Set(number, termCounts);
        passagesOf[slot] = passagesOf.TryGetValue(slot, out var list) ? [.. list, number] : [number];
    }

    public void Remove(int slot)
    {
        DropVectors(slot);
        if (!passagesOf.Remove(slot, out var numbers))
        {
            return;
        }

        var (terms, length) = wholeOf[slot];
        wholeOf.Remove(slot);
        wholeLength -= length;
        foreach (string term in terms)
        {
            if (--wholeFrequency[term] == 0)
            {
                wholeFrequency.Remove(term);
            }
        }

        foreach (int n in numbers)
        {
            Index.Remove(n);
            slotOf[n] = -1;
            free.Push(n);
        }
    }

    /// <summary>The corpus of passages and short memories, over <paramref name="whole"/>, the whole-memory index.</summary>
    public IBm25Statistics Statistics(IncrementalBm25 whole) => new Corpus(this, whole);

    /// <summary>
    /// Sets each long memory's score in <paramref name="slotScores"/> to its best passage's BM25 in the corpus
    /// <paramref name="corpus"/> and records that passage in <paramref name="bestPassage"/> (−1 where none matched);
    /// a long memory no passage of which matches keeps the score it has. Returns the best score written, or 0.
    /// </summary>
    public float ScoreBestPassages(IReadOnlyList<string> queryTerms, IBm25Statistics corpus, Span<float> slotScores, Span<int> bestPassage)
    {
        if (Index.DocumentCount == 0)
        {
            return 0;
        }

        var scores = System.Buffers.ArrayPool<float>.Shared.Rent(capacity);
        try
        {
            Array.Clear(scores, 0, capacity);
            if (Index.Score(queryTerms, scores.AsSpan(0, capacity), corpus) <= 0)
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
                slotScores[slot] = score;
                max = Math.Max(max, score);
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

    /// <summary>Records the memory's whole document, whose figures its passages replace in the corpus.</summary>
    private void StandIn(int slot, IncrementalBm25 whole)
    {
        var terms = whole.DocumentTerms(slot);
        var distinct = new string[terms.Count];
        for (int i = 0; i < terms.Count; i++)
        {
            distinct[i] = terms[i].Term;
            wholeFrequency[distinct[i]] = wholeFrequency.GetValueOrDefault(distinct[i]) + 1;
        }

        int length = whole.DocumentLength(slot);
        wholeOf[slot] = (distinct, length);
        wholeLength += length;
    }

    /// <summary>The whole-memory index with every long memory replaced by its passages.</summary>
    private sealed class Corpus(PassageColumn passages, IncrementalBm25 whole) : IBm25Statistics
    {
        public int DocumentCount => whole.DocumentCount - passages.wholeOf.Count + passages.Index.DocumentCount;

        public float AverageLength => DocumentCount <= 0 ? 1f : Math.Max(1f, (whole.TotalLength - passages.wholeLength + passages.Index.TotalLength) / (float)DocumentCount);

        public int DocumentFrequency(string term) =>
            whole.DocumentFrequency(term) - passages.wholeFrequency.GetValueOrDefault(term) + passages.Index.DocumentFrequency(term);
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
