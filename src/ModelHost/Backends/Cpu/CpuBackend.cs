namespace AgentMem.ModelHost.Backends.Cpu;

/// <summary>
/// The forward pass on the host: the <see cref="Kernels"/> (<c>TensorPrimitives</c>, row blocks on the thread pool) over spans of
/// host arrays. Buffers are the arrays themselves, so the KV cache is the <see cref="KvCache"/>'s own and nothing is copied.
/// </summary>
internal sealed class CpuBackend : IComputeBackend
{
    /// <summary>The one instance: it holds no state.</summary>
    public static CpuBackend Instance { get; } = new();

    private CpuBackend()
    {
    }

    public string Device => $"CPU, TensorPrimitives on {Environment.ProcessorCount} threads";

    public bool IsHostMemory => true;

    /// <summary>The span a view stands for.</summary>
    public static Span<float> Span(DeviceView view) => ((CpuBuffer)view.Buffer).Array.AsSpan((int)view.Offset, view.Length);

    /// <summary>A host array as a buffer (no copy).</summary>
    public static CpuBuffer Wrap(float[] array) => new(array, array.Length, pooled: false);

    /// <summary>A pooled scratch buffer (returned to the pool on dispose; contents undefined).</summary>
    public static CpuBuffer Rent(int length) => new(ArrayPool<float>.Shared.Rent(length), length, pooled: true);

    public DeviceBuffer Allocate(int length) => Wrap(new float[length]);

    public DeviceBuffer Upload(float[] data) => Wrap(data);

    public DeviceMatrix Upload(WeightMatrix matrix) => matrix;

    public DeviceMatrix UploadStack(IReadOnlyList<WeightMatrix> parts) => new CpuStack(parts);

    public void CopyToDevice(ReadOnlySpan<float> source, DeviceView destination) => source.CopyTo(Span(destination));

    public void CopyToHost(DeviceView source, Span<float> destination) => Span(source).CopyTo(destination);

    public void Embed(DeviceView x, float[] table, ReadOnlySpan<int> tokens, int dim)
    {
        var o = Span(x);
        for (int t = 0; t < tokens.Length; t++)
        {
            table.AsSpan(tokens[t] * dim, dim).CopyTo(o.Slice(t * dim, dim));
        }
    }

    public void RmsNorm(DeviceView o, DeviceView x, DeviceView gain, int rows, float eps)
    {
        var os = Span(o);
        var xs = Span(x);
        var g = Span(gain);
        int dim = g.Length;
        for (int t = 0; t < rows; t++)
        {
            Kernels.RmsNorm(os.Slice(t * dim, dim), xs.Slice(t * dim, dim), g, eps);
        }
    }

    public void MatMul(DeviceView o, DeviceMatrix w, int layer, DeviceView x, int tokens)
    {
        if (w is CpuLoraMatrix adapted)
        {
            MatMul(o, adapted.Base, layer, x, tokens);
            adapted.AddUpdates(Span(o), layer, Span(x), tokens);
            return;
        }

        var m = (WeightMatrix)w;
        if (tokens == 1)
        {
            m.MatVec(Span(o), layer, Span(x));
        }
        else
        {
            m.MatMul(Span(o), layer, Span(x), tokens);
        }
    }

    public void MatMulAdd(DeviceView residual, DeviceMatrix w, int layer, DeviceView x, int tokens, DeviceView scratch)
    {
        MatMul(scratch, w, layer, x, tokens);
        var r = Span(residual);
        TensorPrimitives.Add(r, Span(scratch)[..r.Length], r);
    }

    public void AttentionInputs(in ProjectionArgs args)
    {
        var c = args.Config;
        var parts = ((CpuStack)args.Wqkv).Parts;
        int n = args.Tokens, dim = c.Dim, kvDim = c.KvDim;
        MatMul(args.Q, parts[0], args.Layer, args.X, n);
        MatMul(args.K, parts[1], args.Layer, args.X, n);
        MatMul(args.V, parts[2], args.Layer, args.X, n);
        if (args.Bias is { } bias)
        {
            AddBias(args.Q, bias.Slice(0, dim), n);
            AddBias(args.K, bias.Slice(dim, kvDim), n);
            AddBias(args.V, bias.Slice(dim + kvDim, kvDim), n);
        }

        Rope(args.Q, n, args.StartPosition, c.HeadSize, c.RopeBase, c.RopeStyle, c.RopeScaling);
        Rope(args.K, n, args.StartPosition, c.HeadSize, c.RopeBase, c.RopeStyle, c.RopeScaling);
    }

    public void GatedFeedForward(DeviceView h, DeviceMatrix w13, int layer, DeviceView x, int tokens, DeviceView scratch)
    {
        var parts = ((CpuStack)w13).Parts;
        MatMul(h, parts[0], layer, x, tokens);
        MatMul(scratch, parts[1], layer, x, tokens);
        SwiGlu(h, scratch);
    }

    private static void AddBias(DeviceView v, DeviceView bias, int rows)
    {
        var vs = Span(v);
        var b = Span(bias);
        for (int t = 0; t < rows; t++)
        {
            var row = vs.Slice(t * b.Length, b.Length);
            TensorPrimitives.Add(row, b, row);
        }
    }

    private static void Rope(DeviceView v, int rows, int startPosition, int headSize, float theta, RopeStyle style, RopeScaling? scaling)
    {
        var vs = Span(v);
        int width = v.Length / rows;
        for (int t = 0; t < rows; t++)
        {
            Kernels.Rope(vs.Slice(t * width, width), startPosition + t, headSize, theta, style, scaling);
        }
    }

    private static void SwiGlu(DeviceView h1, DeviceView h3)
    {
        var a = Span(h1);
        var b = Span(h3);
        const int Piece = 16384; // bounds the pooled scratch; the gate is element-wise
        float[] scratch = ArrayPool<float>.Shared.Rent(Math.Min(a.Length, Piece));
        try
        {
            for (int i = 0; i < a.Length; i += Piece)
            {
                int n = Math.Min(Piece, a.Length - i);
                Kernels.SwiGlu(a.Slice(i, n), b.Slice(i, n), scratch.AsSpan(0, n));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    public void Attention(in AttentionArgs args)
    {
        var c = args.Config;
        int dim = c.Dim, kvDim = c.KvDim, hs = c.HeadSize, heads = c.Heads, kvMul = c.KvMul, n = args.Tokens, startSlot = args.StartSlot;
        int layer = args.Layer;
        var observer = args.Observer;
        float[] q = ((CpuBuffer)args.Q.Buffer).Array, keys = ((CpuBuffer)args.Keys.Buffer).Array, values = ((CpuBuffer)args.Values.Buffer).Array;
        float[] output = ((CpuBuffer)args.Output.Buffer).Array;
        int qBase = (int)args.Q.Offset, kBase = (int)args.Keys.Offset, vBase = (int)args.Values.Offset, oBase = (int)args.Output.Offset;
        if (kBase != vBase)
        {
            throw new ArgumentException("keys and values must start at the same offset of their buffers.", nameof(args));
        }

        float invSqrtHs = 1f / MathF.Sqrt(hs);
        int items = n * heads;

        void Item(int i, float[] att)
        {
            int t = i / heads, h = i % heads, slot = startSlot + t;
            var weights = att.AsSpan(0, slot + 1);
            Attend(q.AsSpan(qBase + (t * dim) + (h * hs), hs), keys.AsSpan(kBase), values.AsSpan(vBase), kvDim, h / kvMul * hs, weights, output.AsSpan(oBase + (t * dim) + (h * hs), hs), invSqrtHs);
            observer?.OnAttention(layer, h, slot, weights);
        }

        // Batched prefill spreads (token, head) items over the cores; one decoded token stays on the calling thread, as it did
        // before the seam (its heads are too little work to pay for a Parallel.For barrier per layer).
        long work = (long)items * (startSlot + n) * hs;
        int parts = n > 1 && observer is null && work >= Kernels.ParallelMinWeights && Environment.ProcessorCount > 1 ? Math.Min(items, Environment.ProcessorCount * 4) : 1;
        if (parts == 1)
        {
            float[] att = ArrayPool<float>.Shared.Rent(startSlot + n);
            try
            {
                for (int i = 0; i < items; i++)
                {
                    Item(i, att);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(att);
            }

            return;
        }

        Parallel.For(0, parts, p =>
        {
            float[] att = ArrayPool<float>.Shared.Rent(startSlot + n);
            try
            {
                // Interleaved assignment: later tokens attend over more slots, so striding balances the parts.
                for (int i = p; i < items; i += parts)
                {
                    Item(i, att);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(att);
            }
        });
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
}
