using ILGPU;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace AgentMem.ModelHost.Backends.Ilgpu;

/// <summary>
/// The forward pass in ILGPU kernels (<see cref="IlgpuKernels"/>), with weights and KV caches in device memory: a CUDA GPU when
/// one is present, else ILGPU's CPU accelerator. Every operation queues its kernels on the accelerator's default stream under
/// one lock, so operations of several threads never interleave inside one another and the backend's own scratch (row sums,
/// attention weights) is safe to share; <see cref="CopyToHost"/> waits for the stream.
/// </summary>
internal sealed class IlgpuBackend : IComputeBackend, IDisposable
{
    /// <summary>Environment variable forcing the device: <c>cuda</c> or <c>cpu</c> (the CPU accelerator); unset picks CUDA when present.</summary>
    public const string DeviceVariable = "AGENTMEM_ILGPU_DEVICE";

    // Set only by a start that succeeded, under SharedGate: a failed start (a wrong device name, a CUDA context that could not be
    // made while the device was busy) is tried again by the next load, not kept for the life of the process as Lazy<T> keeps
    // its factory's exception. One start at a time, so no second context is made and leaked.
    private static readonly object SharedGate = new();
    private static IlgpuBackend? sharedInstance;

    private readonly Context context;
    private readonly Accelerator accelerator;
    private readonly object gate = new();
    private readonly int groupSize;
    private readonly int maxGroups;
    private readonly int targetThreads;

    private readonly Action<KernelConfig, FloatWeights, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, int, int, int, int> matMulF32;
    private readonly Action<KernelConfig, Int8Weights, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, int, int, int, int> matMulInt8;
    private readonly Action<KernelConfig, FloatWeights, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, int, int, int> matVecF32;
    private readonly Action<KernelConfig, Int8Weights, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, int, int, int> matVecInt8;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int> sumSquares;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> normalize;
    private readonly RopeStoreLauncher ropeStore;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float> scores;
    private readonly Action<KernelConfig, ArrayView<float>, int, int, int, int> softmax;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, int> mix;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int> swiGlu;

    private readonly Dictionary<(int HeadSize, float Theta, RopeScaling? Scaling), RopeTable> ropeTables = [];
    private MemoryBuffer1D<float, Stride1D.Dense>? stacked;
    private MemoryBuffer1D<float, Stride1D.Dense>? rowSums;
    private MemoryBuffer1D<float, Stride1D.Dense>? attention;

    private IlgpuBackend(Context context, Accelerator accelerator, int? splitThreads)
    {
        this.context = context;
        this.accelerator = accelerator;
        bool gpu = accelerator.AcceleratorType != AcceleratorType.CPU;
        groupSize = Math.Min(256, accelerator.MaxNumThreadsPerGroup);

        maxGroups = Math.Max(1, accelerator.NumMultiprocessors) * (gpu ? 32 : 4);

        // Split a product's inner dimension until this many threads are busy (a GPU needs tens of thousands in flight to
        // reach its bandwidth); on the CPU accelerator one chunk per row keeps every sum single-writer and deterministic.
        targetThreads = splitThreads ?? (gpu ? accelerator.NumMultiprocessors * accelerator.MaxNumThreadsPerMultiprocessor : 1);
        Device = gpu
            ? $"ILGPU on {accelerator.AcceleratorType}: {accelerator.Name} ({accelerator.NumMultiprocessors} multiprocessors, {accelerator.MemorySize >> 20} MiB)"
            : $"ILGPU CPU accelerator (no GPU found; {accelerator.NumMultiprocessors} multiprocessor(s), {accelerator.MaxNumThreadsPerGroup} threads per group)";

        matMulF32 = accelerator.LoadStreamKernel<FloatWeights, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(IlgpuKernels.MatMul);
        matMulInt8 = accelerator.LoadStreamKernel<Int8Weights, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(IlgpuKernels.MatMul);
        matVecF32 = accelerator.LoadStreamKernel<FloatWeights, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, int, int, int>(IlgpuKernels.MatVec);
        matVecInt8 = accelerator.LoadStreamKernel<Int8Weights, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, int, int, int>(IlgpuKernels.MatVec);
        sumSquares = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int>(IlgpuKernels.SumSquares);
        normalize = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(IlgpuKernels.Normalize);
        ropeStore = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(IlgpuKernels.RopeStore).Invoke;
        scores = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float>(IlgpuKernels.Scores);
        softmax = accelerator.LoadStreamKernel<ArrayView<float>, int, int, int, int>(IlgpuKernels.Softmax);
        mix = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, int>(IlgpuKernels.Mix);
        swiGlu = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(IlgpuKernels.SwiGlu);
    }

    /// <summary>
    /// The process-wide backend on the preferred device (created on first use; <see cref="DeviceVariable"/> can force one). A
    /// start that fails throws and is tried again on the next use.
    /// </summary>
    /// <exception cref="NotSupportedException">The device asked for is not available, or ILGPU cannot start.</exception>
    public static IlgpuBackend Shared
    {
        get
        {
            lock (SharedGate)
            {
                return sharedInstance ??= Create(Environment.GetEnvironmentVariable(DeviceVariable));
            }
        }
    }

    public string Device { get; }

    public bool IsHostMemory => false;

    /// <summary>
    /// A backend on <paramref name="device"/>: <c>cpu</c> (the CPU accelerator), <c>cuda</c> (fails without a CUDA device), or
    /// null/empty for CUDA when present, else the CPU accelerator.
    /// </summary>
    /// <param name="device">The device (see above).</param>
    /// <param name="splitThreads">Overrides how many threads a product's split aims for (tests use it to run the split,
    /// atomic path on the CPU accelerator); null keeps the device's own.</param>
    /// <exception cref="NotSupportedException">The device asked for is not available, or ILGPU cannot start.</exception>
    public static IlgpuBackend Create(string? device, int? splitThreads = null)
    {
        string want = (device ?? string.Empty).Trim().ToLowerInvariant();
        if (want is not ("" or "cpu" or "cuda"))
        {
            throw new NotSupportedException($"{DeviceVariable}='{device}': expected 'cuda' or 'cpu'.");
        }

        Context? ctx = null;
        try
        {
            ctx = Context.Create(b => b.Default().EnableAlgorithms());
            Device? chosen = null;
            if (want != "cpu")
            {
                foreach (var cuda in ctx.GetCudaDevices())
                {
                    chosen = cuda;
                    break;
                }

                if (chosen is null && want == "cuda")
                {
                    throw new NotSupportedException($"{DeviceVariable}=cuda but ILGPU found no CUDA device (is the NVIDIA driver's libcuda on the library path?).");
                }
            }

            chosen ??= CPUDevice.Default;
            var accelerator = chosen is CPUDevice cpu ? cpu.CreateCPUAccelerator(ctx, CPUAcceleratorMode.Parallel) : chosen.CreateAccelerator(ctx);
            return new IlgpuBackend(ctx, accelerator, splitThreads);
        }
        catch (Exception e) when (e is not NotSupportedException)
        {
            ctx?.Dispose();
            throw new NotSupportedException($"ILGPU could not start: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        stacked?.Dispose();
        rowSums?.Dispose();
        attention?.Dispose();
        foreach (var t in ropeTables.Values)
        {
            t.Dispose();
        }

        accelerator.Dispose();
        context.Dispose();
    }

    public DeviceBuffer Allocate(int length)
    {
        var memory = accelerator.Allocate1D<float>(Math.Max(1, length));
        memory.MemSetToZero();
        return new IlgpuBuffer(memory);
    }

    public DeviceBuffer Upload(float[] data) => new IlgpuBuffer(accelerator.Allocate1D(data.Length == 0 ? [0f] : data));

    public DeviceMatrix Upload(WeightMatrix matrix)
    {
        lock (gate)
        {
            return IlgpuMatrix.Upload(accelerator, matrix);
        }
    }

    public void CopyToDevice(ReadOnlySpan<float> source, DeviceView destination)
    {
        Check(source.Length, destination);
        if (source.IsEmpty)
        {
            return;
        }

        lock (gate)
        {
            IlgpuBuffer.Of(destination).CopyFromCPU(accelerator.DefaultStream, source);
        }
    }

    public void CopyToHost(DeviceView source, Span<float> destination)
    {
        Check(destination.Length, source);
        if (destination.IsEmpty)
        {
            return;
        }

        lock (gate)
        {
            accelerator.DefaultStream.Synchronize();
            IlgpuBuffer.Of(source).CopyToCPU(accelerator.DefaultStream, destination);
        }
    }

    public void Embed(DeviceView x, float[] table, ReadOnlySpan<int> tokens, int dim)
    {
        // The embedding table stays on the host (one row per token is all a step reads); rows go up in one copy.
        float[] rows = ArrayPool<float>.Shared.Rent(tokens.Length * dim);
        try
        {
            for (int t = 0; t < tokens.Length; t++)
            {
                table.AsSpan(tokens[t] * dim, dim).CopyTo(rows.AsSpan(t * dim, dim));
            }

            CopyToDevice(rows.AsSpan(0, tokens.Length * dim), x.Slice(0, tokens.Length * dim));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rows);
        }
    }

    public void RmsNorm(DeviceView o, DeviceView x, DeviceView gain, int rows, float eps)
    {
        int dim = gain.Length;
        lock (gate)
        {
            var ss = Scratch(ref rowSums, rows).SubView(0, rows);
            int chunk = ChunkFor(rows, dim, 32);
            if (chunk < dim)
            {
                ss.MemSetToZero();
            }

            sumSquares(Config((long)rows * ((dim + chunk - 1) / chunk)), IlgpuBuffer.Of(x), ss, rows, dim, chunk);
            normalize(Config((long)rows * dim), IlgpuBuffer.Of(x), ss, IlgpuBuffer.Of(gain), IlgpuBuffer.Of(o), rows, dim, eps);
        }
    }

    public void MatMul(DeviceView o, DeviceMatrix w, int layer, DeviceView x, int tokens) => Product(o, w, layer, x, tokens, accumulate: false);

    public void MatMulAdd(DeviceView residual, DeviceMatrix w, int layer, DeviceView x, int tokens, DeviceView scratch) => Product(residual, w, layer, x, tokens, accumulate: true);

    public DeviceMatrix UploadStack(IReadOnlyList<WeightMatrix> parts)
    {
        lock (gate)
        {
            return IlgpuMatrix.UploadStack(accelerator, parts);
        }
    }

    public void AttentionInputs(in ProjectionArgs args)
    {
        var c = args.Config;
        int n = args.Tokens, dim = c.Dim, kvDim = c.KvDim, width = dim + (2 * kvDim);
        lock (gate)
        {
            // One product over the stacked q|k|v rows, then one kernel for bias, RoPE and the stores.
            var s = Scratch(ref stacked, (long)n * width).SubView(0, (long)n * width);
            Product(s, (IlgpuMatrix)args.Wqkv, args.Layer, IlgpuBuffer.Of(args.X), n, accumulate: false);
            var table = RopeTableFor(c.HeadSize, c.RopeBase, c.RopeScaling, args.StartPosition + n);
            var bias = args.Bias is { } bv ? IlgpuBuffer.Of(bv) : s.SubView(0, 1);
            ropeStore(Config((long)n * ((dim / 2) + (kvDim / 2) + kvDim)), s, bias, args.Bias is null ? 0 : 1, table.Cos.View, table.Sin.View,
                IlgpuBuffer.Of(args.Q), IlgpuBuffer.Of(args.K), IlgpuBuffer.Of(args.V), n, dim, kvDim, c.HeadSize, args.StartPosition, c.RopeStyle == RopeStyle.Interleaved ? 0 : 1);
        }
    }

    public void GatedFeedForward(DeviceView h, DeviceMatrix w13, int layer, DeviceView x, int tokens, DeviceView scratch)
    {
        var m = (IlgpuMatrix)w13;
        int hidden = m.Rows / 2;
        lock (gate)
        {
            var s = Scratch(ref stacked, (long)tokens * m.Rows).SubView(0, (long)tokens * m.Rows);
            Product(s, m, layer, IlgpuBuffer.Of(x), tokens, accumulate: false);
            swiGlu(Config((long)tokens * hidden), s, IlgpuBuffer.Of(h), tokens, hidden);
        }
    }

    /// <summary>
    /// Most attention scores (tokens × heads × span) one launch computes: the kernels index them with int, and an observer copies
    /// them into one host array. Larger blocks run as several blocks of fewer tokens; tests lower it to run that path.
    /// </summary>
    internal long MaxAttentionScores { get; set; } = Array.MaxLength;

    public void Attention(in AttentionArgs args)
    {
        var c = args.Config;

        // Long contexts: 128 prefill tokens × 32 heads × 2^20 slots wrap an int (the kernels would compute no scores at all).
        long perToken = (long)c.Heads * (args.StartSlot + args.Tokens);
        if (perToken > MaxAttentionScores)
        {
            throw new NotSupportedException($"attention over {args.StartSlot + args.Tokens} slots × {c.Heads} heads exceeds the {MaxAttentionScores} scores one launch computes; use a shorter context.");
        }

        if (perToken * args.Tokens > MaxAttentionScores)
        {
            int per = (int)(MaxAttentionScores / perToken);
            for (int t = 0; t < args.Tokens; t += per)
            {
                int m = Math.Min(per, args.Tokens - t);
                Attention(args with { Q = args.Q.Slice((long)t * c.Dim, m * c.Dim), Output = args.Output.Slice((long)t * c.Dim, m * c.Dim), Tokens = m, StartSlot = args.StartSlot + t });
            }

            return;
        }

        int n = args.Tokens, span = args.StartSlot + n, heads = c.Heads;
        lock (gate)
        {
            var att = Scratch(ref attention, (long)n * heads * span).SubView(0, (long)n * heads * span);
            var q = IlgpuBuffer.Of(args.Q);
            scores(Config((long)n * heads * span), q, IlgpuBuffer.Of(args.Keys), att, n, heads, c.KvMul, c.HeadSize, c.KvDim, args.StartSlot, span, 1f / MathF.Sqrt(c.HeadSize));
            if (args.Observer is { } observer)
            {
                softmax(Config((long)n * heads), att, n, heads, args.StartSlot, span);
                // Observers (cache compression's attention scores) read the weights on the host, token by token, head by head.
                accelerator.DefaultStream.Synchronize();
                var host = new float[att.Length];
                att.CopyToCPU(accelerator.DefaultStream, host.AsSpan());
                for (int t = 0; t < n; t++)
                {
                    for (int h = 0; h < heads; h++)
                    {
                        observer.OnAttention(args.Layer, h, args.StartSlot + t, host.AsSpan(((t * heads) + h) * span, args.StartSlot + t + 1));
                    }
                }
            }

            mix(Config((long)n * c.Dim), att, IlgpuBuffer.Of(args.Values), IlgpuBuffer.Of(args.Output), n, heads, c.KvMul, c.HeadSize, c.KvDim, args.StartSlot, span, args.Observer is null ? 0 : 1);
        }
    }

    private void Product(DeviceView o, DeviceMatrix w, int layer, DeviceView x, int tokens, bool accumulate)
    {
        var m = (IlgpuMatrix)w;
        if ((long)tokens * m.Rows > o.Length || (long)tokens * m.Cols > x.Length)
        {
            throw new ArgumentException($"a product of {tokens} tokens × [{m.Rows} × {m.Cols}] needs {(long)tokens * m.Cols} inputs and {(long)tokens * m.Rows} outputs; {x.Length} and {o.Length} given.");
        }

        lock (gate)
        {
            Product(IlgpuBuffer.Of(o).SubView(0, (long)tokens * m.Rows), m, layer, IlgpuBuffer.Of(x), tokens, accumulate);
        }
    }

    /// <summary>o (+)= W[layer]·x for each token, queued (the caller holds the lock): the decode kernel for one token, the tiled one for more.</summary>
    private void Product(ArrayView<float> o, IlgpuMatrix m, int layer, ArrayView<float> x, int tokens, bool accumulate)
    {
        long size = (long)m.Rows * m.Cols;
        int tiles = (tokens + 3) / 4;
        int chunk = ChunkFor(m.Rows * tiles, m.Cols, 64);
        int chunks = (m.Cols + chunk - 1) / chunk;
        if (chunks > 1 && !accumulate)
        {
            o.MemSetToZero();
        }

        var config = Config((long)m.Rows * chunks * tiles);
        int add = accumulate ? 1 : 0;
        if (m.Floats is { } f)
        {
            var wl = f.View.SubView(layer * size, size);
            if (tokens == 1)
            {
                matVecF32(config, new FloatWeights(wl), x, 0, x, o, m.Rows, m.Cols, chunk, add);
            }
            else
            {
                matMulF32(config, new FloatWeights(wl), x, 0, x, o, m.Rows, m.Cols, tokens, chunk, add);
            }
        }
        else
        {
            var ql = m.Int8!.View.SubView(layer * size, size);
            var sl = m.Scales!.View.SubView((long)layer * m.Rows, m.Rows);
            if (tokens == 1)
            {
                matVecInt8(config, new Int8Weights(ql), sl, 1, x, o, m.Rows, m.Cols, chunk, add);
            }
            else
            {
                matMulInt8(config, new Int8Weights(ql), sl, 1, x, o, m.Rows, m.Cols, tokens, chunk, add);
            }
        }
    }

    /// <summary>
    /// Length of the inner-dimension chunk each work item sums: the whole dimension when <paramref name="items"/> already keep
    /// the device busy (always on the CPU accelerator), else split until they do, never below <paramref name="minChunk"/>.
    /// </summary>
    private int ChunkFor(int items, int inner, int minChunk)
    {
        if ((long)items >= targetThreads)
        {
            return inner;
        }

        int chunks = (int)Math.Min((targetThreads + items - 1) / items, Math.Max(1, inner / Math.Max(1, minChunk)));
        return (inner + chunks - 1) / chunks;
    }

    private KernelConfig Config(long items)
    {
        long groups = Math.Clamp((items + groupSize - 1) / groupSize, 1, maxGroups);
        return new KernelConfig((int)groups, groupSize);
    }

    private ArrayView<float> Scratch(ref MemoryBuffer1D<float, Stride1D.Dense>? buffer, long length)
    {
        if (buffer is null || buffer.Length < length)
        {
            accelerator.DefaultStream.Synchronize(); // queued kernels may still read the old one
            buffer?.Dispose();
            buffer = accelerator.Allocate1D<float>(Math.Max(length, (buffer?.Length ?? 0) * 2));
        }

        return buffer.View;
    }

    private RopeTable RopeTableFor(int headSize, float theta, RopeScaling? scaling, int positions)
    {
        if (ropeTables.TryGetValue((headSize, theta, scaling), out var table) && table.Positions >= positions)
        {
            return table;
        }

        accelerator.DefaultStream.Synchronize();
        table?.Dispose();
        table = RopeTable.Create(accelerator, headSize, theta, scaling, Math.Max(positions, (table?.Positions ?? 0) * 2));
        ropeTables[(headSize, theta, scaling)] = table;
        return table;
    }

    /// <summary>The RoPE-and-store kernel's launcher (more parameters than a named Action type takes).</summary>
    private delegate void RopeStoreLauncher(KernelConfig config, ArrayView<float> s, ArrayView<float> bias, int hasBias, ArrayView<float> cos, ArrayView<float> sin,
        ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, int tokens, int dim, int kvDim, int headSize, int startPosition, int style);

    private static void Check(int hostLength, DeviceView view)
    {
        if (hostLength != view.Length)
        {
            throw new ArgumentException($"a transfer of {hostLength} floats into or out of a view of {view.Length}.");
        }
    }

    /// <summary>cos/sin of every (position, pair) angle, computed on the host exactly as the CPU kernel computes them.</summary>
    private sealed class RopeTable : IDisposable
    {
        private RopeTable(int positions, MemoryBuffer1D<float, Stride1D.Dense> cos, MemoryBuffer1D<float, Stride1D.Dense> sin)
        {
            Positions = positions;
            Cos = cos;
            Sin = sin;
        }

        public int Positions { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> Cos { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> Sin { get; }

        public static RopeTable Create(Accelerator accelerator, int headSize, float theta, RopeScaling? scaling, int positions)
        {
            int half = headSize / 2;
            var cos = new float[(long)positions * half];
            var sin = new float[(long)positions * half];
            for (int i = 0; i < half; i++)
            {
                float freq = Kernels.Frequency(i, headSize, theta, scaling);
                for (int p = 0; p < positions; p++)
                {
                    float angle = p * freq;
                    cos[((long)p * half) + i] = MathF.Cos(angle);
                    sin[((long)p * half) + i] = MathF.Sin(angle);
                }
            }

            return new RopeTable(positions, accelerator.Allocate1D(cos), accelerator.Allocate1D(sin));
        }

        public void Dispose()
        {
            Cos.Dispose();
            Sin.Dispose();
        }
    }
}
