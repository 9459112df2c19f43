using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Lexical;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval;

/// <summary>The retrievers every AgentMem host offers, in one place so the CLI and the service agree.</summary>
public static class DefaultRetrievers
{
    /// <summary>
    /// <c>hybrid</c> (the default, first), <c>bm25</c> (the store's full-text index) and <c>vector</c>
    /// (embedding similarity alone). With no embedder, the model-free hashing embedder is used; a given
    /// embedder is shared, and disposed with the hybrid retriever. <paramref name="hybrid"/> replaces the hybrid retriever's defaults.
    /// </summary>
    public static IReadOnlyList<IRetriever> Create(IMemoryStore store, IEmbeddingGenerator<string, Embedding<float>>? embedder = null, HybridOptions? hybrid = null) =>
    [
        new HybridRetriever(store, hybrid, embedder: embedder, ownsEmbedder: true),
        new Bm25Retriever(store),
        new HybridRetriever(store, HybridOptions.VectorOnly(), embedder),
    ];
}
