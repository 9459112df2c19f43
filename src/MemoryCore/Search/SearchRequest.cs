namespace AgentMem.MemoryCore.Search;

/// <summary>A retrieval request inside one tenant.</summary>
/// <param name="Tenant">The tenant searched.</param>
/// <param name="Query">The user's query text.</param>
/// <param name="Filter">Which memories may be returned.</param>
/// <param name="K">How many results to return.</param>
public sealed record SearchRequest(string Tenant, string Query, MemoryFilter Filter, int K);
