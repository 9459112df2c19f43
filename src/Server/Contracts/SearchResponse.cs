namespace AgentMem.Server.Contracts;

/// <summary>Result of <c>POST /v1/search</c>.</summary>
/// <param name="Query">The query.</param>
/// <param name="Retriever">The retriever that ranked the hits, by its own name (`hybrid`, `bm25` or `vector`), whatever the case of the `mode` asked for.</param>
/// <param name="Hits">Best first.</param>
/// <param name="PendingEmbeddings">Memories of the cube still waiting for a vector: found through words only until it arrives.</param>
public sealed record SearchResponse(string Query, string Retriever, IReadOnlyList<SearchHitDto> Hits, long PendingEmbeddings = 0);
