using AgentMem.ModelHost;

namespace AgentMem.ModelHost.Bench;

/// <summary>
/// Random weights built in memory (no checkpoint file): uniform ±1/√dim like the harness's llama2.c writer, filled in parallel
/// chunks of 1 Mi floats, each from its own <see cref="Random"/> seeded by (seed, tensor, chunk) — the same weights on every
/// run and any core count. Not the same numbers as the file writer's single sequential stream.
/// </summary>
internal static class RandomWeights
{
    private const int Chunk = 1 << 20;

    /// <summary>The weights for <paramref name="config"/> and their parameter count (the classifier counted once when shared).</summary>
    public static (LlamaWeights Weights, long Parameters) Create(LlamaConfig config, int seed)
    {
        long d = config.Dim, h = config.HiddenDim, l = config.Layers, kv = config.KvDim, v = config.VocabSize;
        float scale = 1f / MathF.Sqrt(config.Dim);
        int tensor = 0;
        float[] Fill(long length)
        {
            var a = new float[length];
            int t = tensor++;
            int chunks = (int)((length + Chunk - 1) / Chunk);
            Parallel.For(0, chunks, c =>
            {
                var rng = new Random(unchecked((seed * 1_000_003) + (t * 65_537) + c));
                var span = a.AsSpan(c * Chunk, (int)Math.Min(Chunk, length - ((long)c * Chunk)));
                for (int i = 0; i < span.Length; i++)
                {
                    span[i] = ((rng.NextSingle() * 2) - 1) * scale;
                }
            });
            return a;
        }

        var embedding = Fill(v * d);
        var weights = new LlamaWeights(
            embedding, Fill(l * d), Fill(l * d * d), Fill(l * kv * d), Fill(l * kv * d), Fill(l * d * d), Fill(l * d),
            Fill(l * h * d), Fill(l * d * h), Fill(l * h * d), Fill(d), config.SharedClassifier ? embedding : Fill(v * d));
        long parameters = (v * d) + (2 * l * d) + (2 * l * d * d) + (2 * l * kv * d) + (3 * l * h * d) + d + (config.SharedClassifier ? 0 : v * d);
        return (weights, parameters);
    }
}
