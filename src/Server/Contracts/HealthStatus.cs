namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>GET /health</c>.</summary>
/// <param name="Status">Always <c>ok</c> while the service answers.</param>
/// <param name="Embeddings">Where the background embedder stands (absent when the default retriever keeps no embedding queue).</param>
public sealed record HealthStatus(string Status, EmbeddingHealth? Embeddings = null);
