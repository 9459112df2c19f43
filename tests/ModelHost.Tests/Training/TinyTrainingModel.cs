namespace AgentMem.ModelHost.Tests.Training;

/// <summary>A tiny random LLaMA (dim 16, 2 layers, 4 heads, 2 KV heads, hidden 32, vocab 24) generated from a seed, for training tests.</summary>
internal static class TinyTrainingModel
{
    public const int Dim = 16, Hidden = 32, Layers = 2, Heads = 4, KvHeads = 2, Vocab = 24, SeqLen = 64;

    public static LlamaConfig Config(RopeStyle rope = RopeStyle.Interleaved, bool tied = true, bool bias = false) =>
        new(Dim, Hidden, Layers, Heads, KvHeads, Vocab, SeqLen, tied) { RopeStyle = rope, QkvBias = bias };

    /// <summary>Weights uniform in ±1/√in for matrices (±1 for embeddings), gains near 1, from <paramref name="seed"/>.</summary>
    public static LlamaWeights Weights(LlamaConfig c, int seed = 7)
    {
        var random = new Random(seed);
        float[] Make(int count, double bound, double offset = 0)
        {
            var a = new float[count];
            for (int i = 0; i < count; i++)
            {
                a[i] = (float)(offset + (((random.NextDouble() * 2) - 1) * bound));
            }

            return a;
        }

        int l = c.Layers, d = c.Dim, kv = c.KvDim, h = c.HiddenDim, v = c.VocabSize;
        double inD = 1 / Math.Sqrt(d), inH = 1 / Math.Sqrt(h);
        var embedding = Make(v * d, 1.0);
        var w = new LlamaWeights(
            embedding,
            Make(l * d, 0.2, 1.0),
            Make(l * d * d, 2 * inD),
            Make(l * kv * d, 2 * inD),
            Make(l * kv * d, 2 * inD),
            Make(l * d * d, inD),
            Make(l * d, 0.2, 1.0),
            Make(l * h * d, 2 * inD),
            Make(l * d * h, inH),
            Make(l * h * d, 2 * inD),
            Make(d, 0.2, 1.0),
            c.SharedClassifier ? embedding : Make(v * d, 2.0));
        return c.QkvBias ? w with { Bq = Make(l * d, 0.3), Bk = Make(l * kv, 0.3), Bv = Make(l * kv, 0.3) } : w;
    }

    /// <summary><paramref name="count"/> tokens from <paramref name="seed"/>.</summary>
    public static int[] Tokens(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(Vocab))];
    }
}
