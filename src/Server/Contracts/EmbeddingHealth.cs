namespace AgentMem.Server.Contracts;

/// <summary>The background embedder's progress, as counts over every tenant (no data, no tenant names).</summary>
/// <param name="Embedder">The embedder's identity (model, version, dimension).</param>
/// <param name="Pending">Memories searchable lexically but still waiting for a vector.</param>
/// <param name="Embedded">Memories given a vector in the background since the service started.</param>
/// <param name="Refused">Memories the embedder refused as bad input (too long, or text its endpoint rejects): searchable by their words only, and tried again when their text changes or the service restarts. Not an error: the others are embedded.</param>
/// <param name="Error">That the background embedder stopped, and the kind of failure (it tries again after a back-off, and this clears once a batch succeeds; the service log has the details), or null.</param>
public sealed record EmbeddingHealth(string Embedder, long Pending, long Embedded, long Refused, string? Error);
