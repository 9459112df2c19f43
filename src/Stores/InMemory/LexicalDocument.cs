namespace AgentMem.Stores.InMemory;

/// <summary>
/// A memory's searchable columns as analysed terms, in the SQLite store's column order: text, speaker, tags, keywords,
/// context. Superseded versions are not indexed: a memory is found by its current version only.
/// </summary>
internal sealed class LexicalDocument
{
    /// <summary>How much a match in each column counts, as the SQLite store weighs its FTS5 columns.</summary>
    public static readonly double[] ColumnWeights = [1.0, 0.6, 0.8, 0.8, 0.4];

    private readonly List<string>[] columns;

    private LexicalDocument(List<string>[] columns)
    {
        this.columns = columns;
        Length = columns.Sum(c => c.Count);
    }

    /// <summary>Terms in all columns together (BM25's document length).</summary>
    public int Length { get; }

    /// <summary>Analyses the current version of a memory.</summary>
    public static LexicalDocument Of(MemoryItem item) => new(
    [
        LexicalAnalyzer.Terms(item.Text),
        LexicalAnalyzer.Terms(item.Provenance.Actor),
        item.Tags.SelectMany(LexicalAnalyzer.Terms).ToList(),
        item.Keywords.SelectMany(LexicalAnalyzer.Terms).ToList(),
        LexicalAnalyzer.Terms(item.Context),
    ]);

    /// <summary>
    /// Occurrences of <paramref name="phrase"/> (consecutive terms within one column), each weighted by its column; 0 if
    /// none. A phrase never spans two columns, as in FTS5.
    /// </summary>
    public double WeightedFrequency(IReadOnlyList<string> phrase)
    {
        double frequency = 0;
        for (int c = 0; c < columns.Length; c++)
        {
            frequency += ColumnWeights[c] * CountIn(columns[c], phrase);
        }

        return frequency;
    }

    private static int CountIn(List<string> terms, IReadOnlyList<string> phrase)
    {
        int count = 0;
        for (int start = 0; start + phrase.Count <= terms.Count; start++)
        {
            bool match = true;
            for (int i = 0; i < phrase.Count && match; i++)
            {
                match = string.Equals(terms[start + i], phrase[i], StringComparison.Ordinal);
            }

            if (match)
            {
                count++;
            }
        }

        return count;
    }
}
