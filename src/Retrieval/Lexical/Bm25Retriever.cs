namespace AgentMem.Retrieval.Lexical;

/// <summary>
/// Keyword retrieval: analyses the query into content terms and ranks the store's full-text matches by
/// BM25. The store quotes every term, so query text cannot inject index operators.
/// </summary>
public sealed class Bm25Retriever : IRetriever
{
    private readonly IMemoryStore store;

    /// <summary>Creates the retriever over a store with a full-text index.</summary>
    public Bm25Retriever(IMemoryStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
    }

    /// <inheritdoc/>
    public string Name => "bm25";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var terms = QueryAnalyzer.Terms(request.Query);
        if (terms.Count == 0)
        {
            return [];
        }

        var matches = await store.SearchLexicalAsync(request.Tenant, new LexicalQuery(terms, request.Filter, request.K), cancellationToken).ConfigureAwait(false);
        var hits = new List<SearchHit>(matches.Count);
        foreach (var match in matches)
        {
            hits.Add(new SearchHit(match.Item, match.Score, new Dictionary<string, double>(StringComparer.Ordinal) { ["bm25"] = match.Score }));
        }

        return hits;
    }
}
