using System.Numerics.Tensors;

namespace AgentMem.ModelHost;

/// <summary>
/// LLaMA forward pass with llama2.c semantics: RMSNorm (eps 1e-5), RoPE on adjacent pairs, grouped-query attention,
/// SwiGLU feed-forward, shared or separate classifier. Immutable and shareable; per-sequence state lives in a <see cref="KvCache"/>.
/// </summary>
public sealed class LlamaModel
{
    private readonly LlamaWeights w;
    private byte[]? fingerprint;

    /// <summary>Wraps loaded weights.</summary>
    public LlamaModel(LlamaConfig config, LlamaWeights weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        w = weights;
    }

    /// <summary>The model's hyper-parameters.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Loads a llama2.c checkpoint.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid checkpoint.</exception>
    public static LlamaModel Load(string path)
    {
        var checkpoint = Llama2cCheckpoint.Load(path);
        return new LlamaModel(checkpoint.Config, checkpoint.Weights);
    }

    /// <summary>The model's <see cref="ModelFingerprint"/> (computed once), a copy the caller may keep.</summary>
    public byte[] GetFingerprint() => (byte[])(fingerprint ??= ModelFingerprint.Compute(Config, w)).Clone();

    /// <summary>A fresh cache sized for this model.</summary>
    public KvCache CreateCache() => new(Config);

    /// <summary>
    /// Runs <paramref name="token"/> at <paramref name="position"/>, storing its keys and values in <paramref name="cache"/>,
    /// and returns the next-token logits. The span is the cache's buffer: valid until the next call on the same cache.
    /// Positions 0 .. position-1 of the cache must already be filled. Same as <see cref="ForwardAt"/> with slot = position.
    /// </summary>
    public ReadOnlySpan<float> Forward(int token, int position, KvCache cache) => ForwardAt(token, position, position, cache);

    /// <summary>
    /// Runs <paramref name="token"/> with RoPE position <paramref name="position"/>, storing its keys and values in cache slot
    /// <paramref name="slot"/> and attending over slots 0 .. slot. Slots and positions differ once a cache has been compressed
    /// or composed from parts: each slot keeps the position its key was rotated with (<see cref="KvCache.PositionOf"/>).
    /// Slots 0 .. slot-1 must already be filled. <paramref name="observer"/>, when given, sees every head's attention weights.
    /// </summary>
    public ReadOnlySpan<float> ForwardAt(int token, int position, int slot, KvCache cache, IAttentionObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var c = Config;
        ArgumentOutOfRangeException.ThrowIfNegative(token);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, c.VocabSize);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, c.SeqLen);
        if (slot > cache.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"slots 0..{slot - 1} must be filled first; the cache holds {cache.Length}.");
        }

        if (cache.Config.Dim != c.Dim || cache.Config.Layers != c.Layers || cache.Config.KvDim != c.KvDim || cache.Config.SeqLen != c.SeqLen
            || cache.Config.HiddenDim != c.HiddenDim || cache.Config.VocabSize != c.VocabSize)
        {
            throw new ArgumentException("The cache was made for a model of another shape.", nameof(cache));
        }

        int dim = c.Dim, kvDim = c.KvDim, hidden = c.HiddenDim, hs = c.HeadSize;
        Span<float> x = cache.X, xb = cache.Xb, xb2 = cache.Xb2, q = cache.Q, hb = cache.Hb, hb2 = cache.Hb2;
        w.TokenEmbedding.AsSpan(token * dim, dim).CopyTo(x);
        float invSqrtHs = 1f / MathF.Sqrt(hs);

        for (int l = 0; l < c.Layers; l++)
        {
            Kernels.RmsNorm(xb, x, w.RmsAtt.AsSpan(l * dim, dim));
            var k = cache.Key(l, slot);
            var v = cache.Value(l, slot);
            Kernels.MatVec(q, w.Wq.AsSpan(l * dim * dim, dim * dim), xb);
            Kernels.MatVec(k, w.Wk.AsSpan(l * kvDim * dim, kvDim * dim), xb);
            Kernels.MatVec(v, w.Wv.AsSpan(l * kvDim * dim, kvDim * dim), xb);
            Kernels.Rope(q, position, hs);
            Kernels.Rope(k, position, hs);

            var keys = cache.Keys[l].AsSpan();
            var values = cache.Values[l].AsSpan();
            for (int h = 0; h < c.Heads; h++)
            {
                var qh = q.Slice(h * hs, hs);
                int kvOffset = h / c.KvMul * hs;
                var att = cache.Att.AsSpan(0, slot + 1);
                for (int t = 0; t <= slot; t++)
                {
                    att[t] = TensorPrimitives.Dot(qh, keys.Slice((t * kvDim) + kvOffset, hs)) * invSqrtHs;
                }

                Kernels.Softmax(att);
                observer?.OnAttention(l, h, slot, att);
                var outH = xb.Slice(h * hs, hs);
                outH.Clear();
                for (int t = 0; t <= slot; t++)
                {
                    // outH += att[t] · v_t, fused multiply-add over the head.
                    TensorPrimitives.MultiplyAdd(values.Slice((t * kvDim) + kvOffset, hs), att[t], outH, outH);
                }
            }

            Kernels.MatVec(xb2, w.Wo.AsSpan(l * dim * dim, dim * dim), xb);
            TensorPrimitives.Add(x, xb2, x);

            Kernels.RmsNorm(xb, x, w.RmsFfn.AsSpan(l * dim, dim));
            Kernels.MatVec(hb, w.W1.AsSpan(l * hidden * dim, hidden * dim), xb);
            Kernels.MatVec(hb2, w.W3.AsSpan(l * hidden * dim, hidden * dim), xb);
            Kernels.SwiGlu(hb, hb2, cache.Hb3);
            Kernels.MatVec(xb, w.W2.AsSpan(l * dim * hidden, dim * hidden), hb);
            TensorPrimitives.Add(x, xb, x);
        }

        Kernels.RmsNorm(x, x, w.RmsFinal);
        Kernels.MatVec(cache.Logits, w.Classifier, x);
        cache.SetFilled(slot, position);
        return cache.Logits;
    }
}
