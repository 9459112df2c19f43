using AgentMem.ModelHost.Backends.Cpu;

namespace AgentMem.ModelHost;

/// <summary>
/// LLaMA forward pass with llama2.c semantics: RMSNorm, RoPE (adjacent pairs for llama2.c checkpoints, rotate_half for Hugging Face
/// ones; base and epsilon from <see cref="LlamaConfig"/>), grouped-query attention (optional q/k/v biases, Qwen2), SwiGLU
/// feed-forward, shared or separate classifier. Shareable; per-sequence state lives in a <see cref="KvCache"/>. LoRA adapters
/// are attached to a view that shares the weights (<see cref="WithAdapters"/>) or folded into them (<see cref="Merge"/>, the one
/// operation that changes a model after loading).
/// One driver runs decode and batched prefill through a compute backend (<see cref="ComputeBackendKind"/>): the host's cores,
/// or ILGPU with the weights and the KV cache in device memory.
/// </summary>
public sealed partial class LlamaModel : IDisposable
{
    private readonly LlamaWeights w;
    private readonly WeightMatrix wq, wk, wv, wo, w1, w2, w3, classifier;
    private readonly IComputeBackend backend;
    private readonly DeviceMatrix dwqkv, dwo, dw13, dw2, dClassifier;
    private readonly DeviceBuffer rmsAtt, rmsFfn, rmsFinal;
    private readonly DeviceBuffer? qkvBias;

    // Lifetime: disposed is set once by Dispose; passes counts forward passes inside the model. The device copies are freed by
    // whichever comes last, Dispose or the last pass running when it was called, so a pass in flight never reads freed memory.
    private int disposed;
    private int passes;
    private int freed;

    /// <summary>Wraps loaded weights (float32).</summary>
    public LlamaModel(LlamaConfig config, LlamaWeights weights)
        : this(config, weights, WeightQuantization.None)
    {
    }

    /// <summary>Wraps loaded weights, quantising the large matrices when <paramref name="quantization"/> asks for it.</summary>
    /// <exception cref="ModelFormatException">A tensor's size does not match <paramref name="config"/>.</exception>
    public LlamaModel(LlamaConfig config, LlamaWeights weights, WeightQuantization quantization)
        : this(config, weights, quantization, ComputeBackendKind.Cpu)
    {
    }

    /// <summary>Wraps loaded weights on the backend <paramref name="backendKind"/> (weights are copied to the device there).</summary>
    /// <exception cref="ModelFormatException">A tensor's size does not match <paramref name="config"/>.</exception>
    /// <exception cref="NotSupportedException">The backend cannot start (e.g. ILGPU finds no usable accelerator).</exception>
    public LlamaModel(LlamaConfig config, LlamaWeights weights, WeightQuantization quantization, ComputeBackendKind backendKind)
        : this(config, weights, quantization, backendKind == ComputeBackendKind.Cpu ? CpuBackend.Instance : Backends.Ilgpu.IlgpuBackend.Shared)
    {
    }

    /// <summary>Wraps loaded weights on <paramref name="backend"/>.</summary>
    internal LlamaModel(LlamaConfig config, LlamaWeights weights, WeightQuantization quantization, IComputeBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
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
            shared.FloatFingerprint = ComputeFingerprint();
            shared.BaseFingerprint = Tag(shared.FloatFingerprint, "int8-per-row", []);
            (wq, wk, wv, wo, w1, w2, w3, classifier) = (wq.QuantizeInt8(), wk.QuantizeInt8(), wv.QuantizeInt8(), wo.QuantizeInt8(),
                w1.QuantizeInt8(), w2.QuantizeInt8(), w3.QuantizeInt8(), classifier.QuantizeInt8());
            w = weights with { Wq = [], Wk = [], Wv = [], Wo = [], W1 = [], W2 = [], W3 = [], Classifier = config.SharedClassifier ? weights.TokenEmbedding : [] };
        }

        this.backend = backend;
        (dwqkv, dwo) = (backend.UploadStack([wq, wk, wv]), backend.Upload(wo));
        (dw13, dw2, dClassifier) = (backend.UploadStack([w1, w3]), backend.Upload(w2), backend.Upload(classifier));
        (rmsAtt, rmsFfn, rmsFinal) = (backend.Upload(w.RmsAtt), backend.Upload(w.RmsFfn), backend.Upload(w.RmsFinal));
        if (config.QkvBias)
        {
            qkvBias = backend.Upload(StackBiases(config, w));
        }
    }

    /// <summary>Which backend runs the forward pass.</summary>
    public ComputeBackendKind Backend => backend.IsHostMemory ? ComputeBackendKind.Cpu : ComputeBackendKind.Ilgpu;

    /// <summary>What runs the kernels, for people (e.g. "ILGPU on Cuda: NVIDIA H200", or ILGPU's CPU accelerator).</summary>
    public string BackendDescription => backend.Device;

    /// <summary>
    /// Ends the model's use: every later call that runs it (<see cref="Forward"/>, <see cref="ForwardAt"/>, <see cref="Prefill"/>,
    /// <see cref="PrefillAt"/>, <see cref="CreateCache"/>, <see cref="GetFingerprint"/>, <see cref="WithAdapters"/>,
    /// <see cref="Merge"/>, <see cref="Unmerge"/>) throws <see cref="ObjectDisposedException"/>, and the weights' device copies
    /// are freed (nothing to free on the CPU backend). A forward pass already running finishes first: its buffers go when it
    /// returns. Calling it again does nothing. <see cref="Config"/> and the other descriptions stay readable; adapter views
    /// (<see cref="WithAdapters"/>, CPU only) are models of their own and stay usable.
    /// </summary>
    public void Dispose()
    {
        // Interlocked on both sides (here and in EnterPass): either this sees the pass, or the pass sees the flag.
        if (Interlocked.Exchange(ref disposed, 1) == 0 && Volatile.Read(ref passes) == 0)
        {
            FreeDeviceCopies();
        }
    }

    /// <summary>Refuses a call on a disposed model (one check per call, never per element).</summary>
    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);

    /// <summary>Starts a forward pass: refused once disposed; the device copies stay until <see cref="ExitPass"/>.</summary>
    private void EnterPass()
    {
        Interlocked.Increment(ref passes);
        if (Volatile.Read(ref disposed) != 0)
        {
            ExitPass();
            ThrowIfDisposed();
        }
    }

    /// <summary>Ends a forward pass; the last one out after <see cref="Dispose"/> frees the device copies.</summary>
    private void ExitPass()
    {
        if (Interlocked.Decrement(ref passes) == 0 && Volatile.Read(ref disposed) != 0)
        {
            FreeDeviceCopies();
        }
    }

    private void FreeDeviceCopies()
    {
        if (backend.IsHostMemory || Interlocked.Exchange(ref freed, 1) != 0)
        {
            return;
        }

        foreach (var m in new[] { dwqkv, dwo, dw13, dw2, dClassifier })
        {
            m.Dispose();
        }

        foreach (var b in new[] { rmsAtt, rmsFfn, rmsFinal, qkvBias })
        {
            b?.Dispose();
        }
    }

    /// <summary>The model's hyper-parameters.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The weights the model runs on (large matrices emptied when quantised): what the training graph reads.</summary>
    internal LlamaWeights Weights
    {
        get
        {
            ThrowIfDisposed();
            return w;
        }
    }

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
            if (max < config.SeqLen)
            {
                config = config with { SeqLen = max, CheckpointSeqLen = config.SeqLen };
            }
        }

        return new LlamaModel(config, weights, options.Quantization, options.Backend);
    }

    /// <summary>Loads a llama2.c checkpoint.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid checkpoint.</exception>
    public static LlamaModel Load(string path) => Load(path, null);

    /// <summary>
    /// The model's <see cref="ModelFingerprint"/> (computed once), a copy the caller may keep. Models with Hugging Face RoPE,
    /// biases, a non-default θ or ε, or int8 weights hash those in as well, so their caches are never mistaken for another's;
    /// so do attached and merged LoRA adapters (by content, in any order: attaching an adapter or merging it gives the same).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public byte[] GetFingerprint() => EffectiveFingerprint();

    /// <summary>A fresh cache sized for this model.</summary>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public KvCache CreateCache()
    {
        ThrowIfDisposed();
        return new(Config);
    }

    /// <summary>
    /// Runs <paramref name="token"/> at <paramref name="position"/>, storing its keys and values in <paramref name="cache"/>,
    /// and returns the next-token logits. The span is the cache's buffer: valid until the next call on the same cache.
    /// Positions 0 .. position-1 of the cache must already be filled. Same as <see cref="ForwardAt"/> with slot = position.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public ReadOnlySpan<float> Forward(int token, int position, KvCache cache) => ForwardAt(token, position, position, cache);

    /// <summary>
    /// Runs <paramref name="token"/> with RoPE position <paramref name="position"/>, storing its keys and values in cache slot
    /// <paramref name="slot"/> and attending over slots 0 .. slot. Slots and positions differ once a cache has been compressed
    /// or composed from parts: each slot keeps the position its key was rotated with (<see cref="KvCache.PositionOf"/>).
    /// Slots 0 .. slot-1 must already be filled; filled slots from <paramref name="slot"/> on are dropped (they would hold
    /// other tokens' entries). <paramref name="observer"/>, when given, sees every head's attention weights.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public ReadOnlySpan<float> ForwardAt(int token, int position, int slot, KvCache cache, IAttentionObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var c = Config;
        ArgumentOutOfRangeException.ThrowIfNegative(token);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, c.VocabSize);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        CheckCache(cache, slot, 1);

        EnterPass();
        try
        {
            var state = cache.Bind(backend);
            cache.PrepareDevice(slot);
            ReadOnlySpan<int> one = [token];
            RunBlock(one, position, slot, cache, state, state.Decode, observer);
            return FinishLogits(cache, state, state.Decode.X.Slice(0, c.Dim));
        }
        finally
        {
            ExitPass();
        }
    }

    /// <summary>
    /// The forward pass of a block of tokens (positions <paramref name="startPosition"/>.., slots <paramref name="startSlot"/>..)
    /// through every layer on the backend, keys and values straight into their cache slots ([n × kvDim] is the cache's own
    /// layout). Leaves the residual stream in <c>scratch.X</c>.
    /// </summary>
    private void RunBlock(ReadOnlySpan<int> tokens, int startPosition, int startSlot, KvCache cache, CacheState state, ScratchSet scratch, IAttentionObserver? observer, CancellationToken cancellationToken = default)
    {
        var c = Config;
        var b = backend;
        int n = tokens.Length, dim = c.Dim, kvDim = c.KvDim, hidden = c.HiddenDim;
        DeviceView x = scratch.X.Slice(0, n * dim), xb = scratch.Xb.Slice(0, n * dim), q = scratch.Q.Slice(0, n * dim), tmp = scratch.Tmp.Slice(0, n * dim);
        DeviceView hb = scratch.Hb.Slice(0, n * hidden), hb2 = scratch.Hb2.Slice(0, n * hidden);
        b.Embed(x, w.TokenEmbedding, tokens, dim);

        // Keys and values are written layer by layer: slots being rewritten stop counting as filled first, so a pass that is
        // cancelled or fails midway never leaves a mix of new and old entries marked valid.
        cache.Truncate(startSlot);
        for (int l = 0; l < c.Layers; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            b.RmsNorm(xb, x, rmsAtt.Slice(l * dim, dim), n, c.NormEpsilon);
            var k = state.Keys[l].Slice((long)startSlot * kvDim, n * kvDim);
            var v = state.Values[l].Slice((long)startSlot * kvDim, n * kvDim);
            var bias = qkvBias?.Slice((long)l * (dim + (2 * kvDim)), dim + (2 * kvDim));
            b.AttentionInputs(new ProjectionArgs(xb, dwqkv, l, bias, q, k, v, n, startPosition, c));
            b.Attention(new AttentionArgs(q, state.Keys[l].View, state.Values[l].View, xb, n, startSlot, c, l, observer));
            b.MatMulAdd(x, dwo, l, xb, n, tmp);

            b.RmsNorm(xb, x, rmsFfn.Slice(l * dim, dim), n, c.NormEpsilon);
            b.GatedFeedForward(hb, dw13, l, xb, n, hb2);
            b.MatMulAdd(x, dw2, l, hb, n, tmp);
        }

        for (int t = 0; t < n; t++)
        {
            cache.SetFilled(startSlot + t, startPosition + t);
        }
    }

    /// <summary>Per layer bq | bk | bv, one contiguous slice per layer (what <see cref="ProjectionArgs.Bias"/> takes).</summary>
    private static float[] StackBiases(LlamaConfig c, LlamaWeights weights)
    {
        int dim = c.Dim, kvDim = c.KvDim, width = dim + (2 * kvDim);
        var stacked = new float[c.Layers * width];
        for (int l = 0; l < c.Layers; l++)
        {
            weights.Bq.AsSpan(l * dim, dim).CopyTo(stacked.AsSpan(l * width));
            weights.Bk.AsSpan(l * kvDim, kvDim).CopyTo(stacked.AsSpan((l * width) + dim));
            weights.Bv.AsSpan(l * kvDim, kvDim).CopyTo(stacked.AsSpan((l * width) + dim + kvDim));
        }

        return stacked;
    }

    /// <summary>Final norm and classifier on one row of the residual stream; the logits land in the cache's host buffer.</summary>
    private ReadOnlySpan<float> FinishLogits(KvCache cache, CacheState state, DeviceView last)
    {
        backend.RmsNorm(last, last, rmsFinal.View, 1, Config.NormEpsilon);
        backend.MatMul(state.Logits.View, dClassifier, 0, last, 1);
        if (!backend.IsHostMemory)
        {
            backend.CopyToHost(state.Logits.View, cache.Logits);
        }

        return cache.Logits;
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
        if (c.RopeStyle == RopeStyle.Interleaved && c.RopeBase == LlamaConfig.RopeTheta && c.NormEpsilon == LlamaConfig.RmsEps && !c.QkvBias && c.RopeScaling is null)
        {
            return baseHash;
        }

        byte[] bias = c.QkvBias ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.Bq.AsSpan()).ToArray() : [];
        // Scaled RoPE is named only when present, so the fingerprints of models without it (and their cartridges) stay as they were.
        string scaling = c.RopeScaling is { } r
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $";rope_scaling=llama3,{r.Factor:R},{r.LowFrequencyFactor:R},{r.HighFrequencyFactor:R},{r.OriginalContext}")
            : string.Empty;
        return Tag(baseHash, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"rope={c.RopeStyle};theta={c.RopeBase:R};eps={c.NormEpsilon:R};bias={c.QkvBias}{scaling}"), bias);
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
