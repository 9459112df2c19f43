namespace AgentMem.ModelHost.Tests.Adapters;

/// <summary>Seeded random adapters for stories260K, and logits of a fixed prompt.</summary>
internal static class LoraTestAdapters
{
    public static readonly LoraTarget[] All = Enum.GetValues<LoraTarget>();

    /// <summary>Tokens of a short prompt (BOS first).</summary>
    public static int[] Prompt => Stories.Tokenizer.EncodeToIds("Once upon a time, there was a little girl named Lily.", bos: true);

    /// <summary>An adapter with A and B drawn uniformly from ±<paramref name="range"/> (B zero when <paramref name="zeroB"/>).</summary>
    public static LoraAdapter Random(LlamaModel model, int rank, int seed, LoraTarget[]? targets = null, float alpha = 16f, float range = 0.3f, bool zeroB = false)
    {
        var rng = new Random(seed);
        var metadata = new Dictionary<string, string> { ["lr"] = "1e-4", ["steps"] = "100" };
        var adapter = LoraAdapter.Create(model, rank, alpha, targets ?? All, metadata, ["memory-a@1", "memory-b@3"]);
        foreach (var t in adapter.Targets)
        {
            for (int l = 0; l < adapter.Layers; l++)
            {
                Fill(adapter.GetA(t, l), rng, range);
                if (!zeroB)
                {
                    Fill(adapter.GetB(t, l), rng, range);
                }
            }
        }

        return adapter;
    }

    /// <summary>Next-token logits after each prompt token, decoded one token at a time.</summary>
    public static float[][] DecodeLogits(LlamaModel model, int[] tokens)
    {
        var cache = model.CreateCache();
        var rows = new float[tokens.Length][];
        for (int p = 0; p < tokens.Length; p++)
        {
            rows[p] = model.Forward(tokens[p], p, cache).ToArray();
        }

        return rows;
    }

    /// <summary>The last token's logits after a batched prefill of <paramref name="tokens"/>.</summary>
    public static float[] PrefillLogits(LlamaModel model, int[] tokens) => model.Prefill(tokens, 0, model.CreateCache()).ToArray();

    public static double MaxDiff(float[][] x, float[][] y)
    {
        double max = 0;
        for (int i = 0; i < x.Length; i++)
        {
            max = Math.Max(max, MaxDiff(x[i], y[i]));
        }

        return max;
    }

    public static double MaxDiff(float[] x, float[] y)
    {
        double max = 0;
        for (int j = 0; j < x.Length; j++)
        {
            max = Math.Max(max, Math.Abs((double)x[j] - y[j]));
        }

        return max;
    }

    private static void Fill(float[] values, Random rng, float range)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ((float)rng.NextDouble() * 2 - 1) * range;
        }
    }
}
