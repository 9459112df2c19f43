namespace AgentMem.ModelHost;

/// <summary>
/// The vectorised kernels of the forward pass, on spans and <see cref="TensorPrimitives"/>.
/// Each has a plain-loop twin in <see cref="ScalarKernels"/> that tests compare against.
/// </summary>
internal static partial class Kernels
{
    /// <summary>o = weight ⊙ x / sqrt(mean(x²) + eps). <paramref name="o"/> may alias <paramref name="x"/>.</summary>
    public static void RmsNorm(Span<float> o, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps = LlamaConfig.RmsEps)
    {
        float ss = TensorPrimitives.SumOfSquares(x);
        float scale = 1f / MathF.Sqrt((ss / x.Length) + eps);
        TensorPrimitives.Multiply(x, scale, o);
        TensorPrimitives.Multiply(o, weight, o);
    }

    /// <summary>
    /// Matrices with at least this many weights (64 Ki floats = 256 KiB) are split across cores by row blocks: every projection
    /// of the 15M and 110M models, none of stories260K's (at most 32 Ki), whose per-call cost is below the scheduling overhead.
    /// </summary>
    public const int ParallelMinWeights = 1 << 16;

    /// <summary>Rows per parallel work item, so a block's weights (rows × cols floats) stay large against scheduling cost.</summary>
    private const int MinRowsPerBlock = 16;

    /// <summary>
    /// o[i] = Σ_j w[i, j] · x[j] for a row-major [o.Length × x.Length] matrix. Large matrices (≥ <see cref="ParallelMinWeights"/>)
    /// run row blocks in parallel; every row is the same <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    /// either way, so the result is bit-identical to the single-threaded loop.
    /// </summary>
    public static void MatVec(Span<float> o, ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        if ((long)o.Length * x.Length >= ParallelMinWeights && Environment.ProcessorCount > 1)
        {
            MatVecParallel(o, w, x);
        }
        else
        {
            MatVecSerial(o, w, x);
        }
    }

    /// <summary>The single-threaded matrix–vector product, row by row.</summary>
    public static void MatVecSerial(Span<float> o, ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        int n = x.Length;
        for (int i = 0; i < o.Length; i++)
        {
            o[i] = TensorPrimitives.Dot(w.Slice(i * n, n), x);
        }
    }

    /// <summary>The matrix–vector product with row blocks spread over the thread pool (any size; used above the threshold).</summary>
    public static unsafe void MatVecParallel(Span<float> o, ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        int rows = o.Length, n = x.Length;
        if ((long)rows * n > w.Length)
        {
            throw new ArgumentException($"the matrix needs {(long)rows * n} weights; {w.Length} given.", nameof(w));
        }

        int blocks = Math.Clamp(rows / MinRowsPerBlock, 1, Environment.ProcessorCount * 4);
        fixed (float* po = o, pw = w, px = x)
        {
            // Pinned for the duration: Parallel.For returns only when every block is done.
            nint oAddr = (nint)po, wAddr = (nint)pw, xAddr = (nint)px;
            Parallel.For(0, blocks, b =>
            {
                int start = (int)((long)rows * b / blocks), end = (int)((long)rows * (b + 1) / blocks);
                var xs = new ReadOnlySpan<float>((float*)xAddr, n);
                float* outRow = (float*)oAddr;
                for (int i = start; i < end; i++)
                {
                    outRow[i] = TensorPrimitives.Dot(new ReadOnlySpan<float>((float*)wAddr + ((long)i * n), n), xs);
                }
            });
        }
    }

    /// <summary>In-place softmax, shifted by the maximum so large scores do not overflow.</summary>
    public static void Softmax(Span<float> x)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        float sum = TensorPrimitives.Sum(x);
        TensorPrimitives.Divide(x, sum, x);
    }

    /// <summary>
    /// Rotary embedding on adjacent pairs (llama2.c): pair (v[i], v[i+1]) turns by position · 10000^(−(i mod headSize)/headSize).
    /// Scalar because the angle per pair needs cos/sin; it is O(dim) against the O(dim²) matvecs.
    /// </summary>
    public static void Rope(Span<float> v, int position, int headSize) => Rope(v, position, headSize, LlamaConfig.RopeTheta, RopeStyle.Interleaved);

    /// <summary>
    /// Rotary embedding of every head in <paramref name="v"/> (a whole number of heads of <paramref name="headSize"/>), with base
    /// <paramref name="theta"/>. <see cref="RopeStyle.Interleaved"/> turns (v[2i], v[2i+1]) of each head; <see cref="RopeStyle.Half"/>
    /// turns (v[i], v[i + headSize/2]) (Hugging Face <c>rotate_half</c>); pair i's angle is position · θ^(−2i/headSize) in both,
    /// that frequency passed through <paramref name="scaling"/> when there is one.
    /// </summary>
    public static void Rope(Span<float> v, int position, int headSize, float theta, RopeStyle style, RopeScaling? scaling = null) => Rope(v, position, headSize, theta, style, inverse: false, scaling);

    /// <summary>
    /// <see cref="Rope(Span{float}, int, int, float, RopeStyle, RopeScaling)"/> in any floating-point type (the training graph checks its
    /// gradients in double); <paramref name="inverse"/> turns by the negative angle, the transpose of the rotation and so the
    /// backward pass of RoPE. For float it is the inference kernel itself, so training and inference agree exactly.
    /// </summary>
    public static void Rope<T>(Span<T> v, int position, int headSize, T theta, RopeStyle style, bool inverse, RopeScaling? scaling = null)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int half = headSize / 2;
        for (int i = 0; i < half; i++)
        {
            T freq = Frequency(i, headSize, theta, scaling);
            T angle = T.CreateTruncating(position) * freq;
            T cos = T.Cos(angle);
            T sin = inverse ? -T.Sin(angle) : T.Sin(angle);
            int a = style == RopeStyle.Interleaved ? 2 * i : i;
            int b = style == RopeStyle.Interleaved ? (2 * i) + 1 : i + half;
            for (int h = 0; h + headSize <= v.Length; h += headSize)
            {
                T v0 = v[h + a];
                T v1 = v[h + b];
                v[h + a] = (v0 * cos) - (v1 * sin);
                v[h + b] = (v0 * sin) + (v1 * cos);
            }
        }
    }

    /// <summary>Pair <paramref name="pair"/>'s RoPE frequency: θ^(−2·pair/headSize), scaled when <paramref name="scaling"/> is set (every backend's table comes from here).</summary>
    public static T Frequency<T>(int pair, int headSize, T theta, RopeScaling? scaling)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T freq = T.One / T.Pow(theta, T.CreateTruncating(2 * pair) / T.CreateTruncating(headSize));
        return scaling is null ? freq : scaling.Scale(freq);
    }

    /// <summary>SwiGLU gate: h1 = silu(h1) ⊙ h3, with silu(x) = x·σ(x). <paramref name="scratch"/> has h1's length.</summary>
    public static void SwiGlu(Span<float> h1, ReadOnlySpan<float> h3, Span<float> scratch)
    {
        TensorPrimitives.Sigmoid(h1, scratch);
        TensorPrimitives.Multiply(h1, scratch, h1);
        TensorPrimitives.Multiply(h1, h3, h1);
    }
}
