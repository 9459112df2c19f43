namespace AgentMem.Retrieval.Lexical;

/// <summary>
/// An immutable in-memory BM25 index over pre-analysed documents (Robertson–Spärck Jones IDF with the
/// +1 smoothing Lucene uses, so common terms never score negative). Built once per cube snapshot;
/// scoring fills a dense score array, which for a cube's worth of memories is cheaper than a heap.
/// </summary>
public sealed class Bm25Index
{
    private readonly Dictionary<string, int> termIds = new(StringComparer.Ordinal);
    private readonly List<(int Doc, int Tf)[]> postings = [];
    private readonly float[] idf;
    private readonly float[] lengthNorm;
    private readonly float k1;

    /// <summary>Indexes <paramref name="documents"/> (each a list of analysed terms).</summary>
    public Bm25Index(IReadOnlyList<IReadOnlyList<string>> documents, float k1 = 1.2f, float b = 0.75f)
    {
        ArgumentNullException.ThrowIfNull(documents);
        this.k1 = k1;
        DocumentCount = documents.Count;
        var building = new List<List<(int Doc, int Tf)>>();
        long totalLength = 0;
        var counts = new Dictionary<int, int>();
        for (int d = 0; d < documents.Count; d++)
        {
            counts.Clear();
            foreach (string term in documents[d])
            {
                if (!termIds.TryGetValue(term, out int id))
                {
                    id = termIds.Count;
                    termIds[term] = id;
                    building.Add([]);
                }

                counts[id] = counts.GetValueOrDefault(id) + 1;
            }

            foreach (var (id, tf) in counts)
            {
                building[id].Add((d, tf));
            }

            totalLength += documents[d].Count;
        }

        float avg = documents.Count == 0 ? 1 : Math.Max(1f, totalLength / (float)documents.Count);
        lengthNorm = new float[documents.Count];
        for (int d = 0; d < documents.Count; d++)
        {
            lengthNorm[d] = k1 * (1 - b + (b * documents[d].Count / avg));
        }

        idf = new float[building.Count];
        for (int t = 0; t < building.Count; t++)
        {
            int df = building[t].Count;
            idf[t] = MathF.Log(1 + ((documents.Count - df + 0.5f) / (df + 0.5f)));
            postings.Add([.. building[t]]);
        }
    }

    /// <summary>Number of documents.</summary>
    public int DocumentCount { get; }

    /// <summary>
    /// Writes each document's BM25 score for <paramref name="queryTerms"/> (distinct terms count once)
    /// into <paramref name="scores"/> and returns the best score (0 when nothing matches).
    /// </summary>
    public float Score(IReadOnlyList<string> queryTerms, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(queryTerms);
        if (scores.Length < DocumentCount)
        {
            throw new ArgumentException("The score buffer is shorter than the document count.", nameof(scores));
        }

        scores[..DocumentCount].Clear();
        var seen = new HashSet<int>();
        foreach (string term in queryTerms)
        {
            if (!termIds.TryGetValue(term, out int id) || !seen.Add(id))
            {
                continue;
            }

            float w = idf[id];
            foreach (var (doc, tf) in postings[id])
            {
                scores[doc] += w * tf * (k1 + 1) / (tf + lengthNorm[doc]);
            }
        }

        float max = 0;
        foreach (float s in scores[..DocumentCount])
        {
            max = Math.Max(max, s);
        }

        return max;
    }
}
