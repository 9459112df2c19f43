using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Hybrid;

/// <summary>
/// Embeddings from an external generator (neural or HTTP), keyed by text, so rebuilding a cube's
/// snapshot after a write embeds only the new texts.
/// </summary>
internal sealed class EmbeddingCache
{
    private const int BatchSize = 64;
    private readonly ConcurrentDictionary<string, float[]> vectors = new(StringComparer.Ordinal);

    public async Task<float[][]> GetOrAddAsync(IEmbeddingGenerator<string, Embedding<float>> embedder, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var missing = texts.Where(t => !vectors.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToList();
        for (int start = 0; start < missing.Count; start += BatchSize)
        {
            var batch = missing.GetRange(start, Math.Min(BatchSize, missing.Count - start));
            var generated = await embedder.GenerateAsync(batch, null, cancellationToken).ConfigureAwait(false);
            if (generated.Count != batch.Count)
            {
                throw new Vectors.VectorFormatException($"The embedder returned {generated.Count} vectors for {batch.Count} texts.");
            }

            for (int i = 0; i < batch.Count; i++)
            {
                vectors[batch[i]] = generated[i].Vector.ToArray();
            }
        }

        var result = new float[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            result[i] = (float[])vectors[texts[i]].Clone();
        }

        return result;
    }
}
