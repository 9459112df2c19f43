namespace AgentMem.Retrieval.Lexical;

/// <summary>
/// A BM25 index whose documents can be set, replaced and removed one at a time, scoring exactly as
/// <see cref="Bm25Index"/> does over the same live documents (same IDF, k1, b and average length), which is its
/// reference twin in the tests. Documents are small integers chosen by the caller (slots); a replaced or removed
/// document's old postings are left in place, recognised as stale by a per-document stamp, and a term's list is
/// compacted once its stale entries outnumber its live ones, so every update costs O(terms of the document).
/// Not thread-safe: the owner serialises writers against readers.
/// </summary>
public sealed class IncrementalBm25 : IBm25Statistics
{
    private readonly Dictionary<string, int> termIds = new(StringComparer.Ordinal);
    private readonly List<string> terms = [];
    private readonly float k1;
    private readonly float b;
    private Posting[] postings = new Posting[256];
    private Document[] documents = new Document[256];
    private long totalLength;
    private long postingEntries;
    private long docTermEntries;

    /// <summary>Creates an empty index.</summary>
    public IncrementalBm25(float k1 = 1.2f, float b = 0.75f)
    {
        this.k1 = k1;
        this.b = b;
    }

    /// <summary>Live documents.</summary>
    public int DocumentCount { get; private set; }

    /// <summary>One past the highest document number ever set: the length a score buffer needs.</summary>
    public int Capacity { get; private set; }

    /// <summary>Distinct terms ever seen.</summary>
    public int TermCount => terms.Count;

    /// <summary>Approximate bytes held (posting entries, per-document term lists, per-document arrays, terms), kept as running counts.</summary>
    public long EstimatedBytes => (postingEntries * 12L) + (docTermEntries * 8L) + ((long)documents.Length * 40) + (terms.Count * 96L) + (postings.Length * 24L);

    /// <summary>Whether <paramref name="doc"/> is live.</summary>
    public bool Contains(int doc) => doc >= 0 && doc < Capacity && documents[doc].Terms is not null;

    /// <summary>Sets (or replaces) document <paramref name="doc"/> to the analysed terms <paramref name="document"/>, repeats counting.</summary>
    public void Set(int doc, IReadOnlyList<string> document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var counts = new Dictionary<int, int>(document.Count);
        foreach (string term in document)
        {
            int id = TermId(term);
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        SetCounts(doc, counts, document.Count);
    }

    /// <summary>Sets (or replaces) a document from term counts (term → frequency, frequencies ≥ 1).</summary>
    public void Set(int doc, IReadOnlyDictionary<string, int> termCounts)
    {
        ArgumentNullException.ThrowIfNull(termCounts);
        var counts = new Dictionary<int, int>(termCounts.Count);
        int length = 0;
        foreach (var (term, tf) in termCounts)
        {
            if (tf > 0)
            {
                counts[TermId(term)] = tf;
                length += tf;
            }
        }

        SetCounts(doc, counts, length);
    }

    /// <summary>The id of <paramref name="term"/>, assigned on first sight: lets a bulk loader resolve each distinct string once.</summary>
    internal int InternTerm(string term) => TermId(term);

    /// <summary>Sets (or replaces) document <paramref name="doc"/> as an empty one (it counts as a document; most memories have no tags).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void SetEmpty(int doc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(doc);
        EnsureDoc(doc);
        Remove(doc);
        Attach(doc, [], 0);
    }

    /// <summary>
    /// Bulk restore, step 1: makes <paramref name="doc"/> live with its distinct term ids and frequencies but leaves the
    /// postings to <see cref="RestorePosting"/>. For an index that was empty before the restore began.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RestoreDocument(int doc, ReadOnlySpan<int> termIds, ReadOnlySpan<int> frequencies)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(doc);
        EnsureDoc(doc);
        if (documents[doc].Terms is not null)
        {
            throw new InvalidOperationException($"Document {doc} is already live: a bulk restore needs an empty index.");
        }

        DocTerm[] list = termIds.Length == 0 ? [] : new DocTerm[termIds.Length];
        int length = 0;
        for (int i = 0; i < list.Length; i++)
        {
            list[i] = new DocTerm(termIds[i], frequencies[i]);
            length += frequencies[i];
        }

        documents[doc].Terms = list;
        documents[doc].Length = length;
        docTermEntries += list.Length;
        totalLength += length;
        DocumentCount++;
        Capacity = Math.Max(Capacity, doc + 1);
    }

    /// <summary>
    /// Bulk restore, step 2: the whole posting list of <paramref name="termId"/> (live documents restored in step 1), in
    /// one exact-size array: no growth, no per-append cache miss. Returns false when an entry names a document that
    /// is not live (a damaged snapshot).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool RestorePosting(int termId, ReadOnlySpan<int> docs, ReadOnlySpan<int> frequencies)
    {
        ref var p = ref postings[termId];
        if (p.Count != 0 || termId >= terms.Count)
        {
            return false;
        }

        var entries = new Entry[docs.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            int doc = docs[i];
            if ((uint)doc >= (uint)Capacity || documents[doc].Terms is null)
            {
                return false;
            }

            entries[i] = new Entry(doc, documents[doc].Stamp, frequencies[i]);
        }

        p.Entries = entries;
        p.Count = entries.Length;
        p.Live = entries.Length;
        postingEntries += entries.Length;
        return true;
    }

    /// <summary>Whether a bulk restore put exactly one posting entry behind every document's term (no term left out).</summary>
    internal bool RestoreIsConsistent => postingEntries == docTermEntries;

    /// <summary>Removes a document; false if it was not live.</summary>
    public bool Remove(int doc)
    {
        if (!Contains(doc))
        {
            return false;
        }

        ref var d = ref documents[doc];
        foreach (var dt in d.Terms!)
        {
            ref var p = ref postings[dt.Term];
            p.Live--;
            p.Stale++;
        }

        totalLength -= d.Length;
        docTermEntries -= d.Terms!.Length;
        d.Length = 0;
        d.Terms = null;
        d.Stamp = unchecked(d.Stamp + 1);
        DocumentCount--;
        return true;
    }

    /// <summary>
    /// Adds each live document's BM25 score for <paramref name="queryTerms"/> (distinct terms count once) into
    /// <paramref name="scores"/> (length ≥ <see cref="Capacity"/>, cleared by the caller) and returns the best score.
    /// </summary>
    public float Score(IReadOnlyList<string> queryTerms, Span<float> scores) => Score(queryTerms, scores, this);

    /// <summary>
    /// Scores this index's documents as members of the corpus <paramref name="statistics"/> describes: IDF from its
    /// document count and document frequencies, length normalisation against its average length (a cube's passages and
    /// short memories are scored as one corpus so).
    /// </summary>
    public float Score(IReadOnlyList<string> queryTerms, Span<float> scores, IBm25Statistics statistics)
    {
        ArgumentNullException.ThrowIfNull(queryTerms);
        ArgumentNullException.ThrowIfNull(statistics);
        if (scores.Length < Capacity)
        {
            throw new ArgumentException("The score buffer is shorter than the index's capacity.", nameof(scores));
        }

        if (DocumentCount == 0 || statistics.DocumentCount == 0)
        {
            return 0;
        }

        float avg = statistics.AverageLength;
        Span<int> seen = queryTerms.Count <= 64 ? stackalloc int[queryTerms.Count] : new int[queryTerms.Count];
        int distinct = 0;
        float max = 0;
        foreach (string term in queryTerms)
        {
            if (!termIds.TryGetValue(term, out int id) || seen[..distinct].Contains(id))
            {
                continue;
            }

            seen[distinct++] = id;
            ref var p = ref postings[id];
            int frequency = ReferenceEquals(statistics, this) ? p.Live : statistics.DocumentFrequency(term);
            if (p.Live == 0 || frequency == 0)
            {
                continue;
            }

            float idf = Idf(statistics.DocumentCount, frequency);
            var entries = p.Entries.AsSpan(0, p.Count);
            foreach (var e in entries)
            {
                ref var d = ref documents[e.Doc];
                if (!d.Holds(e))
                {
                    continue;
                }

                float norm = k1 * (1 - b + (b * d.Length / avg));
                float s = scores[e.Doc] += idf * e.Tf * (k1 + 1) / (e.Tf + norm);
                if (s > max)
                {
                    max = s;
                }
            }
        }

        return max;
    }

    /// <summary>Total length, in terms, of the live documents.</summary>
    public long TotalLength => totalLength;

    /// <summary>Mean length of the live documents, at least 1.</summary>
    public float AverageLength => DocumentCount == 0 ? 1f : Math.Max(1f, totalLength / (float)DocumentCount);

    /// <summary>Term-frequency saturation.</summary>
    public float K1 => k1;

    /// <summary>Length normalisation strength.</summary>
    public float B => b;

    /// <summary>Length (in terms) of a live document, 0 otherwise.</summary>
    public int DocumentLength(int doc) => Contains(doc) ? documents[doc].Length : 0;

    /// <summary>The terms of a live document with their frequencies (empty when it is not live).</summary>
    public IReadOnlyList<(string Term, int Tf)> DocumentTerms(int doc)
    {
        if (!Contains(doc))
        {
            return [];
        }

        var list = documents[doc].Terms!;
        var result = new (string, int)[list.Length];
        for (int i = 0; i < list.Length; i++)
        {
            result[i] = (terms[list[i].Term], list[i].Tf);
        }

        return result;
    }

    /// <summary>Appends each live document containing <paramref name="term"/> with its term frequency to <paramref name="into"/>.</summary>
    public void CollectPostings(string term, List<(int Doc, int Tf)> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (!termIds.TryGetValue(term, out int id) || postings[id].Live == 0)
        {
            return;
        }

        ref var p = ref postings[id];
        foreach (var e in p.Entries.AsSpan(0, p.Count))
        {
            if (documents[e.Doc].Holds(e))
            {
                into.Add((e.Doc, e.Tf));
            }
        }
    }

    /// <summary>
    /// One term's BM25 contribution, the formula every score here uses: Robertson–Spärck Jones IDF with Lucene's +1
    /// smoothing, saturation k1 and length normalisation b against the average document length.
    /// </summary>
    public static float TermScore(int documents, int documentFrequency, int tf, float length, float averageLength, float k1, float b) =>
        Idf(documents, documentFrequency) * tf * (k1 + 1) / (tf + (k1 * (1 - b + (b * length / averageLength))));

    /// <summary>The smoothed IDF of a term found in <paramref name="documentFrequency"/> of <paramref name="documents"/> documents.</summary>
    public static float Idf(int documents, int documentFrequency) => MathF.Log(1 + ((documents - documentFrequency + 0.5f) / (documentFrequency + 0.5f)));

    /// <summary>The live documents containing <paramref name="term"/> (for tests and diagnostics).</summary>
    public int DocumentFrequency(string term) => termIds.TryGetValue(term, out int id) ? postings[id].Live : 0;

    private int TermId(string term)
    {
        if (!termIds.TryGetValue(term, out int id))
        {
            id = terms.Count;
            termIds[term] = id;
            terms.Add(term);
            if (id == postings.Length)
            {
                Array.Resize(ref postings, id * 2);
            }
        }

        return id;
    }

    private void SetCounts(int doc, Dictionary<int, int> counts, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(doc);
        EnsureDoc(doc);
        Remove(doc);
        var list = new DocTerm[counts.Count];
        int i = 0;
        foreach (var (term, tf) in counts)
        {
            list[i++] = new DocTerm(term, tf);
        }

        Attach(doc, list, length);
    }

    /// <summary>Makes a removed (or new) document live with its term list: one posting entry per term.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Attach(int doc, DocTerm[] list, int length)
    {
        int stamp = documents[doc].Stamp;
        foreach (var dt in list)
        {
            ref var p = ref postings[dt.Term];
            if (p.Stale > p.Live && p.Stale > 8)
            {
                Compact(ref p);
            }

            p.Append(new Entry(doc, stamp, dt.Tf));
            p.Live++;
        }

        documents[doc].Terms = list;
        documents[doc].Length = length;
        docTermEntries += list.Length;
        postingEntries += list.Length;
        totalLength += length;
        DocumentCount++;
        Capacity = Math.Max(Capacity, doc + 1);
    }

    private void Compact(ref Posting p)
    {
        int kept = 0;
        for (int i = 0; i < p.Count; i++)
        {
            var e = p.Entries[i];
            if (documents[e.Doc].Holds(e))
            {
                p.Entries[kept++] = e;
            }
        }

        postingEntries -= p.Count - kept;
        p.Count = kept;
        p.Stale = 0;
    }

    private void EnsureDoc(int doc)
    {
        if (doc >= documents.Length)
        {
            Array.Resize(ref documents, Math.Max(doc + 1, documents.Length * 2));
        }
    }

    private readonly record struct DocTerm(int Term, int Tf);

    private readonly record struct Entry(int Doc, int Stamp, int Tf);

    /// <summary>
    /// What the index keeps per document: its term list (null while it is not live), its length in terms, and a stamp
    /// bumped when it is removed, which marks the posting entries it had as stale.
    /// </summary>
    private struct Document
    {
        public DocTerm[]? Terms;
        public int Length;
        public int Stamp;

        /// <summary>Whether <paramref name="entry"/> belongs to this document as it is now (live, not from before a removal).</summary>
        public readonly bool Holds(Entry entry) => Stamp == entry.Stamp && Terms is not null;
    }

    private struct Posting
    {
        public Entry[] Entries;
        public int Count;
        public int Live;
        public int Stale;

        public void Append(Entry e)
        {
            if (Entries is null)
            {
                Entries = new Entry[2];
            }
            else if (Count == Entries.Length)
            {
                Array.Resize(ref Entries, Count * 2);
            }

            Entries[Count++] = e;
        }
    }
}
