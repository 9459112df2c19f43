namespace AgentMem.Server;

/// <summary>
/// What the service runs on, as its host composed it: the facade every endpoint uses, and the retrieval state behind its
/// default retriever when that state keeps an embedding queue (for <c>/health</c>, the search's pending count, and
/// resuming the queue at start). Register one as a singleton to replace the embedded default.
/// </summary>
/// <param name="Memory">The facade (disposed with the application).</param>
/// <param name="Embeddings">The state holding the embedding queue, or null.</param>
public sealed record ServerComposition(MemoryOS Memory, RetrievalState? Embeddings);
