namespace AgentMem.MemoryCore.Ports;

/// <summary>Finds the memories most relevant to a query. Implementations live in AgentMem.Retrieval.</summary>
public interface IRetriever
{
    /// <summary>A short name for manifests and explanations, e.g. <c>bm25</c> or <c>hybrid</c>.</summary>
    string Name { get; }

    /// <summary>Returns up to <see cref="SearchRequest.K"/> hits, best first.</summary>
    Task<IReadOnlyList<SearchHit>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default);
}
