using System.Numerics.Tensors;
using System.Security.Cryptography;
using AgentMem.Common;

namespace AgentMem.ModelHost;

/// <summary>
/// LLaMA forward pass with llama2.c semantics: RMSNorm, RoPE (adjacent pairs for llama2.c checkpoints, rotate_half for Hugging Face
/// ones; base and epsilon from <see cref="LlamaConfig"/>), grouped-query attention (optional q/k/v biases, Qwen2), SwiGLU
/// feed-forward, shared or separate classifier. Immutable and shareable; per-sequence state lives in a <see cref="KvCache"/>.
/// </summary>
public sealed partial class LlamaModel
{
    private readonly LlamaWeights w;
    private readonly WeightMatrix wq, wk, wv, wo, w1, w2, w3, classifier;
    private byte[]? fingerprint;

    /// <summary>Wraps loaded weights (float32).</summary>
    public LlamaModel(LlamaConfig config, LlamaWeights weights)
        : this(config, weights, WeightQuantization.None)
    {
    }

    /// <summary>Wraps loaded weights, quantising the large matrices when <paramref name="quantization"/> asks for it.</summary>
    /// <exception cref="ModelFormatException">A tensor's size does not match <paramref name="config"/>.</exception>
    public LlamaModel(LlamaConfig config, LlamaWeights weights, WeightQuantization quantization)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        Quantization = quantization;
        int l = config.Layers, d = config.Dim, kv = config.KvDim, h = config.HiddenDim;
        CheckSize(nameof(weights.TokenEmbedding), weights.TokenEmbedding, (long)config.VocabSize * d);
        CheckSize(nameof(weights.RmsAtt), weights.RmsAtt, (long)l * d);
        CheckSize(nameof(weights.RmsFfn), weights.RmsFfn, (long)l * d);
        CheckSize(nameof(weights.RmsFinal), weights.RmsFinal, d);
        CheckSize(nameof(weights.Wq), weights.Wq, (long)l * d * d);
        CheckSize(nameof(weights.Wk), weights.Wk, (long)l * kv * d);
        CheckSize(nameof(weights.Wv), weights.Wv, (long)l * kv * d);
        CheckSize(nameof(weights.Wo), weights.Wo, (long)l * d * d);
        CheckSize(nameof(weights.W1), weights.W1, (long)l * h * d);
        CheckSize(nameof(weights.W2), weights.W2, (long)l * d * h);
        CheckSize(nameof(weights.W3), weights.W3, (long)l * h * d);
        CheckSize(nameof(weights.Classifier), weights.Classifier, (long)config.VocabSize * d);
        if (config.QkvBias)
        {
            CheckSize(nameof(weights.Bq), weights.Bq ?? [], (long)l * d);
            CheckSize(nameof(weights.Bk), weights.Bk ?? [], (long)l * kv);
            CheckSize(nameof(weights.Bv), weights.Bv ?? [], (long)l * kv);
        }

        w = weights;
        wq = new WeightMatrix(weights.Wq, l, d, d);
        wk = new WeightMatrix(weights.Wk, l, kv, d);
        wv = new WeightMatrix(weights.Wv, l, kv, d);
        wo = new WeightMatrix(weights.Wo, l, d, d);
        w1 = new WeightMatrix(weights.W1, l, h, d);
        w2 = new WeightMatrix(weights.W2, l, d, h);
        w3 = new WeightMatrix(weights.W3, l, h, d);
        classifier = new WeightMatrix(weights.Classifier, 1, config.VocabSize, d);
        if (quantization == WeightQuantization.Int8PerRow)
        {
            // The fingerprint is taken from the float weights before they are dropped, then marked as int8 (see GetFingerprint).
            fingerprint = Tag(ComputeFingerprint(), "int8-per-row", []);
            (wq, wk, wv, wo, w1, w2, w3, classifier) = (wq.QuantizeInt8(), wk.QuantizeInt8(), wv.QuantizeInt8(), wo.QuantizeInt8(),
                w1.QuantizeInt8(), w2.QuantizeInt8(), w3.QuantizeInt8(), classifier.QuantizeInt8());
            w = weights with { Wq = [], Wk = [], Wv = [], Wo = [], W1 = [], W2 = [], W3 = [], Classifier = config.SharedClassifier ? weights.TokenEmbedding : [] };
        }
    }

    /// <summary>The model's hyper-parameters.</summary>
    public LlamaConfig Config { get; }

    /// <summary>How the large matrices are stored.</summary>
    public WeightQuantization Quantization { get; }

    /// <summary>
    /// Bytes of weights one decoded token reads: every layer's projections and norms, the final norm, the classifier and one
    /// embedding row (int8 matrices count one byte per weight plus their row scales).
    /// </summary>
    public long WeightBytesPerToken
    {
        get
        {
            var c = Config;
            long perLayer = wq.BytesPerLayer + wk.BytesPerLayer + wv.BytesPerLayer + wo.BytesPerLayer + w1.BytesPerLayer + w2.BytesPerLayer + w3.BytesPerLayer
                + (8L * c.Dim) + (c.QkvBias ? 4L * (c.Dim + (2 * c.KvDim)) : 0);
            return (c.Layers * perLayer) + (4L * c.Dim) + classifier.BytesPerLayer + (4L * c.Dim);
        }
    }

    /// <summary>
    /// Loads a llama2.c checkpoint (a file) or a Hugging Face LLaMA/Qwen2/SmolLM folder (<c>config.json</c> + safetensors).
    /// </summary>
    /// <exception cref="ModelFormatException">The file or folder is not a valid checkpoint.</exception>
    public static LlamaModel Load(string path, ModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new ModelLoadOptions();
        LlamaConfig config;
        LlamaWeights weights;
        if (Directory.Exists(path))
        {
            var hf = HuggingFaceCheckpoint.Load(path);
            (config, weights) = (hf.Config, hf.Weights);
        }
        else
        {
            var checkpoint = Llama2cCheckpoint.Load(path);
            (config, weights) = (checkpoint.Config, checkpoint.Weights);
        }

        if (options.MaxSequenceLength is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(options));
            config = config with { SeqLen = Math.Min(config.SeqLen, max) };
        }

        return new LlamaModel(config, weights, options.Quantization);
    }

    /// <summary>Loads a llama2.c checkpoint.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid checkpoint.</exception>
    public static LlamaModel Load(string path) => Load(path, null);

    /// <summary>
    /// The model's <see cref="ModelFingerprint"/> (computed once), a copy the caller may keep. Models with Hugging Face RoPE,
    /// biases, a non-default θ or ε, or int8 weights hash those in as well, so their caches are never mistaken for another's.
    /// </summary>
    public byte[] GetFingerprint() => (byte[])(fingerprint ??= ComputeFingerprint()).Clone();

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
        CheckCache(cache, slot, 1);

        int dim = c.Dim, kvDim = c.KvDim, hs = c.HeadSize;
        Span<float> x = cache.X, xb = cache.Xb, xb2 = cache.Xb2, q = cache.Q, hb = cache.Hb, hb2 = cache.Hb2;
        w.TokenEmbedding.AsSpan(token * dim, dim).CopyTo(x);
        float invSqrtHs = 1f / MathF.Sqrt(hs);

        for (int l = 0; l < c.Layers; l++)
        {
            Kernels.RmsNorm(xb, x, w.RmsAtt.AsSpan(l * dim, dim), c.NormEpsilon);
            var k = cache.Key(l, slot);
            var v = cache.Value(l, slot);
            wq.MatVec(q, l, xb);
            wk.MatVec(k, l, xb);
            wv.MatVec(v, l, xb);
            AddBiases(l, q, k, v, 1);
            Kernels.Rope(q, position, hs, c.RopeBase, c.RopeStyle);
            Kernels.Rope(k, position, hs, c.RopeBase, c.RopeStyle);

            var keys = cache.Keys[l].AsSpan();
            var values = cache.Values[l].AsSpan();
            for (int h = 0; h < c.Heads; h++)
            {
                var att = cache.Att.AsSpan(0, slot + 1);
                Attend(q.Slice(h * hs, hs), keys, values, kvDim, h / c.KvMul * hs, att, xb.Slice(h * hs, hs), invSqrtHs);
                observer?.OnAttention(l, h, slot, att);
            }

            wo.MatVec(xb2, l, xb);
            TensorPrimitives.Add(x, xb2, x);

            Kernels.RmsNorm(xb, x, w.RmsFfn.AsSpan(l * dim, dim), c.NormEpsilon);
            w1.MatVec(hb, l, xb);
            w3.MatVec(hb2, l, xb);
            Kernels.SwiGlu(hb, hb2, cache.Hb3);
            w2.MatVec(xb, l, hb);
            TensorPrimitives.Add(x, xb, x);
        }

        Kernels.RmsNorm(x, x, w.RmsFinal, c.NormEpsilon);
        classifier.MatVec(cache.Logits, 0, x);
        cache.SetFilled(slot, position);
        return cache.Logits;
    }

    /// <summary>
    /// One head's attention for one query: att[t] = softmax(q·k_t/√hs) over slots 0 .. att.Length-1, then outH = Σ att[t]·v_t.
    /// Leaves the weights in <paramref name="att"/> for an observer.
    /// </summary>
    private static void Attend(ReadOnlySpan<float> qh, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, int kvDim, int kvOffset, Span<float> att, Span<float> outH, float invSqrtHs)
    {
        int hs = qh.Length;
        for (int t = 0; t < att.Length; t++)
        {
            att[t] = TensorPrimitives.Dot(qh, keys.Slice((t * kvDim) + kvOffset, hs)) * invSqrtHs;
        }

        Kernels.Softmax(att);
        outH.Clear();
        for (int t = 0; t < att.Length; t++)
        {
            // outH += att[t] · v_t, fused multiply-add over the head.
            TensorPrimitives.MultiplyAdd(values.Slice((t * kvDim) + kvOffset, hs), att[t], outH, outH);
        }
    }

    private void AddBiases(int layer, Span<float> q, Span<float> k, Span<float> v, int tokens)
    {
        if (!Config.QkvBias)
        {
            return;
        }

        int dim = Config.Dim, kvDim = Config.KvDim;
        var bq = w.Bq.AsSpan(layer * dim, dim);
        var bk = w.Bk.AsSpan(layer * kvDim, kvDim);
        var bv = w.Bv.AsSpan(layer * kvDim, kvDim);
        for (int t = 0; t < tokens; t++)
        {
            var qt = q.Slice(t * dim, dim);
            var kt = k.Slice(t * kvDim, kvDim);
            var vt = v.Slice(t * kvDim, kvDim);
            TensorPrimitives.Add(qt, bq, qt);
            TensorPrimitives.Add(kt, bk, kt);
            TensorPrimitives.Add(vt, bv, vt);
        }
    }

    private void CheckCache(KvCache cache, int slot, int count)
    {
        var c = Config;
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        if (slot + count > c.SeqLen)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"slots {slot}..{slot + count - 1} do not fit the context of {c.SeqLen}.");
        }

        if (slot > cache.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"slots 0..{slot - 1} must be filled first; the cache holds {cache.Length}.");
        }

        if (cache.Config.Dim != c.Dim || cache.Config.Layers != c.Layers || cache.Config.KvDim != c.KvDim || cache.Config.SeqLen != c.SeqLen
            || cache.Config.HiddenDim != c.HiddenDim || cache.Config.VocabSize != c.VocabSize)
        {
            throw new ArgumentException("The cache was made for a model of another shape.", nameof(cache));
        }
    }

    private static void CheckSize(string name, float[] tensor, long expected)
    {
        if (tensor.LongLength != expected)
        {
            throw new ModelFormatException($"weights: {name} has {tensor.LongLength} values; the configuration needs {expected}.");
        }
    }

    /// <summary>llama2.c's fingerprint for llama2.c-style models (so their cartridges stay valid); extended for anything else.</summary>
    private byte[] ComputeFingerprint()
    {
        var c = Config;
        byte[] baseHash = ModelFingerprint.Compute(c, w);
        if (c.RopeStyle == RopeStyle.Interleaved && c.RopeBase == LlamaConfig.RopeTheta && c.NormEpsilon == LlamaConfig.RmsEps && !c.QkvBias)
        {
            return baseHash;
        }

        byte[] bias = c.QkvBias ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.Bq.AsSpan()).ToArray() : [];
        return Tag(baseHash, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"rope={c.RopeStyle};theta={c.RopeBase:R};eps={c.NormEpsilon:R};bias={c.QkvBias}"), bias);
    }

    private static byte[] Tag(byte[] hash, string label, byte[] extra)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(hash);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(label));
        sha.AppendData(extra);
        return sha.GetHashAndReset();
    }
}
