using AgentMem.Retrieval.Hybrid;

namespace AgentMem.Retrieval;

/// <summary>The retrievers every AgentMem host offers, in one place so the CLI and the service agree.</summary>
public static class DefaultRetrievers
{
    /// <summary>
    /// <c>hybrid</c> (the default, first), <c>bm25</c> (the store's full-text index) and <c>vector</c>
    /// (embedding similarity alone). The hybrid and vector retrievers share one <see cref="RetrievalState"/>: one set
    /// of per-cube indexes following the store's change feed. With no embedder, the model-free hashing embedder is
    /// used; a given embedder is disposed with the state, and the state with the first retriever (so disposing the
    /// <c>MemoryOS</c> that holds them checkpoints every open index). The embedder is handed over with the call: when the
    /// options are refused, it is disposed before the exception is thrown. <paramref name="hybrid"/> replaces the hybrid
    /// retriever's defaults (its <see cref="HybridOptions.WindowRadius"/> is the shared state's); <paramref name="state"/> the state's.
    /// </summary>
    public static IReadOnlyList<IRetriever> Create(IMemoryStore store, IEmbeddingGenerator<string, Embedding<float>>? embedder = null, HybridOptions? hybrid = null, RetrievalStateOptions? state = null)
    {
        hybrid ??= new HybridOptions();
        state ??= new RetrievalStateOptions();
        state.WindowRadius = hybrid.WindowRadius;
        RetrievalState? shared = null;
        try
        {
            shared = new RetrievalState(store, embedder, state, ownsEmbedder: true) { RebuildOnWrite = hybrid.RebuildOnWrite };

            // A retriever over a shared state must index windows of the state's radius.
            var vector = HybridOptions.VectorOnly();
            vector.WindowRadius = hybrid.WindowRadius;
            return
            [
                new HybridRetriever(shared, hybrid, ownsState: true), // disposed with the host's MemoryOS: indexes are checkpointed on close
                new Bm25Retriever(store),
                new HybridRetriever(shared, vector),
            ];
        }
        catch
        {
            // The caller holds nothing to dispose (the CLI passes a new embedder inline).
            if (shared is not null)
            {
                shared.Dispose();
            }
            else
            {
                embedder?.Dispose();
            }

            throw;
        }
    }
}
