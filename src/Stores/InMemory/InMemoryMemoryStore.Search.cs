namespace AgentMem.Stores.InMemory;

/// <summary>Full-text search: BM25 over analysed terms, as the SQLite store's FTS5 index ranks them.</summary>
public sealed partial class InMemoryMemoryStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<LexicalMatch>> SearchLexicalAsync(string tenant, LexicalQuery query, CancellationToken cancellationToken = default) => Run<IReadOnlyList<LexicalMatch>>(() =>
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);

        // Each term is a phrase of its analysed words (never an operator); a term with no words matches nothing.
        var phrases = query.Terms
            .Select(t => t.Trim())
            .Where(t => t.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(LexicalAnalyzer.Terms)
            .Where(p => p.Count > 0)
            .ToList();
        if (phrases.Count == 0 || Database.Find(tenant) is not { } data || data.Memories.Count == 0)
        {
            return [];
        }

        // Every memory of the tenant is indexed, whatever its state; the filter applies to the matches.
        var rows = data.Memories.Values.ToList();
        double averageLength = rows.Average(r => (double)r.Document.Length);
        var frequencies = rows.Select(r => phrases.Select(p => r.Document.WeightedFrequency(p)).ToArray()).ToList();
        var idfs = phrases.Select((_, i) => Bm25Ranking.Idf(rows.Count, frequencies.Count(f => f[i] > 0))).ToArray();

        var matches = new List<LexicalMatch>();
        for (int r = 0; r < rows.Count; r++)
        {
            var item = rows[r].Current;
            if (frequencies[r].Any(f => f > 0) && MemoryFilterMatch.Matches(query.Filter, item))
            {
                matches.Add(new LexicalMatch(item, Bm25Ranking.Score(idfs, frequencies[r], rows[r].Document.Length, averageLength)));
            }
        }

        return [.. matches.OrderByDescending(m => m.Score).ThenBy(m => m.Item.Id).Take(query.Limit)];
    }, cancellationToken);
}
