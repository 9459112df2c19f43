using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Embeddings;

/// <summary>
/// <see cref="IEmbeddingGenerator.GetService"/> of the local embedders: their metadata, or the embedder itself, for an unkeyed
/// request of a type either is; nothing else.
/// </summary>
internal static class EmbedderServices
{
    public static object? Get(object embedder, EmbeddingGeneratorMetadata metadata, Type serviceType, object? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType.IsInstanceOfType(metadata) ? metadata
            : serviceType.IsInstanceOfType(embedder) ? embedder
            : null;
    }
}
