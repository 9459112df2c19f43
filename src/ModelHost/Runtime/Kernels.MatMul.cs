using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentMem.ModelHost;

/// <summary>Matrix–matrix products for batched prefill, and the int8 weight kernels.</summary>
internal static partial class Kernels
{
    /// <summary>Weight rows per work item of <see cref="MatMul"/>: a block's rows stay in L2 while every token passes over them.</summary>
    private const int MatMulRowBlock = 32;

    /// <summary>Tokens per inner tile: the tile's activations (≤ 64 × dim floats) stay in L2 alongside the row block.</summary>
    private const int MatMulTokenBlock = 64;

    /// <summary>
    /// o[t, i] = Σ_j w[i, j] · x[t, j] for <paramref name="tokens"/> row-major activations x [tokens × cols] and a row-major weight
    /// matrix w [rows × cols], o [tokens × rows]. Blocked: each work item owns a block of weight rows and sweeps all tokens over it
    /// (in tiles, 4 × 4 register tiles inside), so each weight is read from memory once per call instead of once per token; blocks
    /// run on the thread pool when the product is large. Sums are in a different order than <see cref="MatVec"/>'s, so results agree
    /// within float rounding, not bit for bit (a ragged edge — fewer than 4 rows or tokens — uses the same dot product as MatVec).
    /// </summary>
    public static unsafe void MatMul(Span<float> o, ReadOnlySpan<float> w, ReadOnlySpan<float> x, int tokens, int rows, int cols)
    {
        CheckMatMul(o.Length, w.Length, x.Length, tokens, rows, cols);
        int blocks = (rows + MatMulRowBlock - 1) / MatMulRowBlock;
        fixed (float* po = o, pw = w, px = x)
        {
            nint oAddr = (nint)po, wAddr = (nint)pw, xAddr = (nint)px;
            void Block(int b)
            {
                int start = b * MatMulRowBlock, end = Math.Min(rows, start + MatMulRowBlock);
                MultiplyRowBlock((float*)wAddr + ((long)start * cols), start, end - start, (float*)xAddr, tokens, (float*)oAddr, rows, cols);
            }

            Run(blocks, (long)rows * cols * tokens, Block);
        }
    }

    /// <summary>
    /// Per-row symmetric int8 quantisation of a row-major [rows × cols] matrix: scale[i] = max_j |w[i, j]| / 127,
    /// q[i, j] = round(w[i, j] / scale[i]) ∈ [−127, 127]; so |w − scale·q| ≤ scale/2 element-wise.
    /// </summary>
    public static void QuantizeRows(ReadOnlySpan<float> w, int rows, int cols, Span<sbyte> q, Span<float> scales)
    {
        for (int i = 0; i < rows; i++)
        {
            var row = w.Slice(i * cols, cols);
            float max = MathF.Abs(TensorPrimitives.MaxMagnitude(row)); // MaxMagnitude keeps the sign
            float scale = max / 127f;
            scales[i] = scale;
            var qr = q.Slice(i * cols, cols);
            if (scale == 0f)
            {
                qr.Clear();
                continue;
            }

            float inv = 1f / scale;
            for (int j = 0; j < cols; j++)
            {
                qr[j] = (sbyte)Math.Clamp(MathF.Round(row[j] * inv, MidpointRounding.AwayFromZero), -127f, 127f);
            }
        }
    }

    /// <summary>o[i] = scale[i] · Σ_j q[i, j] · x[j] for a per-row int8 matrix, dequantising on the fly; row blocks in parallel when large.</summary>
    public static unsafe void MatVecInt8(Span<float> o, ReadOnlySpan<sbyte> q, ReadOnlySpan<float> scales, ReadOnlySpan<float> x)
    {
        int rows = o.Length, n = x.Length;
        if ((long)rows * n > q.Length || scales.Length < rows)
        {
            throw new ArgumentException($"the int8 matrix needs {(long)rows * n} weights and {rows} scales; {q.Length} and {scales.Length} given.", nameof(q));
        }

        fixed (float* po = o, ps = scales, px = x)
        fixed (sbyte* pq = q)
        {
            nint oAddr = (nint)po, qAddr = (nint)pq, sAddr = (nint)ps, xAddr = (nint)px;
            int blocks = (long)rows * n >= ParallelMinWeights * 4L && Environment.ProcessorCount > 1
                ? Math.Clamp(rows / MinRowsPerBlock, 1, Environment.ProcessorCount * 4) : 1;
            void Block(int b)
            {
                int start = (int)((long)rows * b / blocks), end = (int)((long)rows * (b + 1) / blocks);
                for (int i = start; i < end; i++)
                {
                    ((float*)oAddr)[i] = ((float*)sAddr)[i] * DotInt8((sbyte*)qAddr + ((long)i * n), (float*)xAddr, n);
                }
            }

            Run(blocks, long.MaxValue, Block);
        }
    }

    /// <summary>
    /// <see cref="MatMul"/> over a per-row int8 matrix: each work item dequantises its block of rows once into a float scratch
    /// and then runs the float dot products for every token, so the int8 → float cost is paid once per call, not per token.
    /// </summary>
    public static unsafe void MatMulInt8(Span<float> o, ReadOnlySpan<sbyte> q, ReadOnlySpan<float> scales, ReadOnlySpan<float> x, int tokens, int rows, int cols)
    {
        CheckMatMul(o.Length, q.Length, x.Length, tokens, rows, cols);
        int blocks = (rows + MatMulRowBlock - 1) / MatMulRowBlock;
        fixed (float* po = o, ps = scales, px = x)
        fixed (sbyte* pq = q)
        {
            nint oAddr = (nint)po, qAddr = (nint)pq, sAddr = (nint)ps, xAddr = (nint)px;
            void Block(int b)
            {
                int start = b * MatMulRowBlock, end = Math.Min(rows, start + MatMulRowBlock);
                float[] scratch = ArrayPool<float>.Shared.Rent((end - start) * cols); // pooled: a fresh block per call would churn the LOH
                for (int i = start; i < end; i++)
                {
                    var dst = scratch.AsSpan((i - start) * cols, cols);
                    TensorPrimitives.ConvertChecked(new ReadOnlySpan<sbyte>((sbyte*)qAddr + ((long)i * cols), cols), dst);
                    TensorPrimitives.Multiply(dst, ((float*)sAddr)[i], dst);
                }

                fixed (float* pScratch = scratch)
                {
                    MultiplyRowBlock(pScratch, start, end - start, (float*)xAddr, tokens, (float*)oAddr, rows, cols);
                }

                ArrayPool<float>.Shared.Return(scratch);
            }

            Run(blocks, (long)rows * cols * tokens, Block);
        }
    }

    /// <summary>
    /// o[t, rowBase + r] = w[r] · x[t] for the <paramref name="blockRows"/> rows at <paramref name="w"/> and every token, in token
    /// tiles of <see cref="MatMulTokenBlock"/>; inside a tile, 4 rows × 4 tokens at a time in registers (16 accumulators: each
    /// loaded weight vector is used 4 times, each activation vector 4 times), the ragged edges with single dot products.
    /// </summary>
    private static unsafe void MultiplyRowBlock(float* w, int rowBase, int blockRows, float* x, int tokens, float* o, int rows, int cols)
    {
        for (int t0 = 0; t0 < tokens; t0 += MatMulTokenBlock)
        {
            int t1 = Math.Min(tokens, t0 + MatMulTokenBlock);
            int r = 0;
            if (Vector256.IsHardwareAccelerated && cols >= Vector256<float>.Count)
            {
                for (; r + 4 <= blockRows; r += 4)
                {
                    int t = t0;
                    for (; t + 4 <= t1; t += 4)
                    {
                        Tile4x4(w + ((long)r * cols), x + ((long)t * cols), o + ((long)t * rows) + rowBase + r, rows, cols);
                    }

                    for (; t < t1; t++)
                    {
                        for (int k = r; k < r + 4; k++)
                        {
                            o[((long)t * rows) + rowBase + k] = TensorPrimitives.Dot(new ReadOnlySpan<float>(w + ((long)k * cols), cols), new ReadOnlySpan<float>(x + ((long)t * cols), cols));
                        }
                    }
                }
            }

            for (; r < blockRows; r++)
            {
                var row = new ReadOnlySpan<float>(w + ((long)r * cols), cols);
                for (int t = t0; t < t1; t++)
                {
                    o[((long)t * rows) + rowBase + r] = TensorPrimitives.Dot(row, new ReadOnlySpan<float>(x + ((long)t * cols), cols));
                }
            }
        }
    }

    /// <summary>o[s, r] = w[r] · x[s] for r, s in 0..3 (o's rows are <paramref name="rows"/> apart), with Vector256 FMAs.</summary>
    private static unsafe void Tile4x4(float* w, float* x, float* o, int rows, int cols)
    {
        float* w0 = w, w1 = w + cols, w2 = w + (2 * cols), w3 = w + (3 * cols);
        float* x0 = x, x1 = x + cols, x2 = x + (2 * cols), x3 = x + (3 * cols);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int j = 0;
        for (; j <= cols - Vector256<float>.Count; j += Vector256<float>.Count)
        {
            var v0 = Vector256.Load(x0 + j);
            var v1 = Vector256.Load(x1 + j);
            var v2 = Vector256.Load(x2 + j);
            var v3 = Vector256.Load(x3 + j);
            Accumulate(Vector256.Load(w0 + j), v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03);
            Accumulate(Vector256.Load(w1 + j), v0, v1, v2, v3, ref a10, ref a11, ref a12, ref a13);
            Accumulate(Vector256.Load(w2 + j), v0, v1, v2, v3, ref a20, ref a21, ref a22, ref a23);
            Accumulate(Vector256.Load(w3 + j), v0, v1, v2, v3, ref a30, ref a31, ref a32, ref a33);
        }

        Store(o, 0, 0, rows, a00, w0, x0, j, cols);
        Store(o, 0, 1, rows, a01, w0, x1, j, cols);
        Store(o, 0, 2, rows, a02, w0, x2, j, cols);
        Store(o, 0, 3, rows, a03, w0, x3, j, cols);
        Store(o, 1, 0, rows, a10, w1, x0, j, cols);
        Store(o, 1, 1, rows, a11, w1, x1, j, cols);
        Store(o, 1, 2, rows, a12, w1, x2, j, cols);
        Store(o, 1, 3, rows, a13, w1, x3, j, cols);
        Store(o, 2, 0, rows, a20, w2, x0, j, cols);
        Store(o, 2, 1, rows, a21, w2, x1, j, cols);
        Store(o, 2, 2, rows, a22, w2, x2, j, cols);
        Store(o, 2, 3, rows, a23, w2, x3, j, cols);
        Store(o, 3, 0, rows, a30, w3, x0, j, cols);
        Store(o, 3, 1, rows, a31, w3, x1, j, cols);
        Store(o, 3, 2, rows, a32, w3, x2, j, cols);
        Store(o, 3, 3, rows, a33, w3, x3, j, cols);
    }

    /// <summary>One weight row of a <see cref="Tile4x4"/> step: a<sub>s</sub> += r · v<sub>s</sub> for the four activation vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(
        Vector256<float> r, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        ref Vector256<float> a0, ref Vector256<float> a1, ref Vector256<float> a2, ref Vector256<float> a3)
    {
        a0 = Vector256.FusedMultiplyAdd(r, v0, a0);
        a1 = Vector256.FusedMultiplyAdd(r, v1, a1);
        a2 = Vector256.FusedMultiplyAdd(r, v2, a2);
        a3 = Vector256.FusedMultiplyAdd(r, v3, a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* o, int r, int s, int rows, Vector256<float> acc, float* w, float* x, int j, int cols)
    {
        float sum = Vector256.Sum(acc);
        for (; j < cols; j++)
        {
            sum += w[j] * x[j];
        }

        o[((long)s * rows) + r] = sum;
    }

    /// <summary>Σ_j q[j] · x[j] with sign extension int8 → int32 → float in registers (AVX-512 or AVX2, else scalar).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe float DotInt8(sbyte* q, float* x, int n)
    {
        int j = 0;
        float sum = 0f;
        if (Avx512F.IsSupported && n >= 32)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; j <= n - 32; j += 32)
            {
                var a = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q + j)));
                var b = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q + j + 16)));
                acc0 = Avx512F.FusedMultiplyAdd(a, Vector512.Load(x + j), acc0);
                acc1 = Avx512F.FusedMultiplyAdd(b, Vector512.Load(x + j + 16), acc1);
            }

            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Avx2.IsSupported && Fma.IsSupported && n >= 16)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; j <= n - 16; j += 16)
            {
                var a = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q + j));
                var b = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q + j + 8));
                acc0 = Fma.MultiplyAdd(a, Vector256.Load(x + j), acc0);
                acc1 = Fma.MultiplyAdd(b, Vector256.Load(x + j + 8), acc1);
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; j < n; j++)
        {
            sum += q[j] * x[j];
        }

        return sum;
    }

    private static void CheckMatMul(int o, int w, int x, int tokens, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if ((long)rows * cols > w || (long)tokens * cols > x || (long)tokens * rows > o)
        {
            throw new ArgumentException($"MatMul of {tokens} tokens × [{rows} × {cols}] needs {(long)rows * cols} weights, {(long)tokens * cols} inputs and {(long)tokens * rows} outputs; {w}, {x} and {o} given.");
        }
    }

    /// <summary>Runs <paramref name="blocks"/> work items, on the thread pool when there is more than one core and enough work.</summary>
    private static void Run(int blocks, long work, Action<int> block)
    {
        if (blocks > 1 && work >= ParallelMinWeights && Environment.ProcessorCount > 1)
        {
            Parallel.For(0, blocks, block);
        }
        else
        {
            for (int b = 0; b < blocks; b++)
            {
                block(b);
            }
        }
    }
}
