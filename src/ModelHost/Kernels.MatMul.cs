using System.Numerics.Tensors;
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
    /// (in tiles), so each weight is read from memory once per call instead of once per token; blocks run on the thread pool when
    /// the product is large. Every element is the same <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    /// as <see cref="MatVec"/> computes, so a batch of one equals the matrix–vector product bit for bit.
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
                float* pO = (float*)oAddr, pW = (float*)wAddr, pX = (float*)xAddr;
                for (int t0 = 0; t0 < tokens; t0 += MatMulTokenBlock)
                {
                    int t1 = Math.Min(tokens, t0 + MatMulTokenBlock);
                    for (int i = start; i < end; i++)
                    {
                        var row = new ReadOnlySpan<float>(pW + ((long)i * cols), cols);
                        for (int t = t0; t < t1; t++)
                        {
                            pO[((long)t * rows) + i] = TensorPrimitives.Dot(row, new ReadOnlySpan<float>(pX + ((long)t * cols), cols));
                        }
                    }
                }
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
                float[] scratch = new float[(end - start) * cols];
                for (int i = start; i < end; i++)
                {
                    var dst = scratch.AsSpan((i - start) * cols, cols);
                    TensorPrimitives.ConvertChecked(new ReadOnlySpan<sbyte>((sbyte*)qAddr + ((long)i * cols), cols), dst);
                    TensorPrimitives.Multiply(dst, ((float*)sAddr)[i], dst);
                }

                float* pO = (float*)oAddr, pX = (float*)xAddr;
                for (int t0 = 0; t0 < tokens; t0 += MatMulTokenBlock)
                {
                    int t1 = Math.Min(tokens, t0 + MatMulTokenBlock);
                    for (int i = start; i < end; i++)
                    {
                        var row = new ReadOnlySpan<float>(scratch, (i - start) * cols, cols);
                        for (int t = t0; t < t1; t++)
                        {
                            pO[((long)t * rows) + i] = TensorPrimitives.Dot(row, new ReadOnlySpan<float>(pX + ((long)t * cols), cols));
                        }
                    }
                }
            }

            Run(blocks, (long)rows * cols * tokens, Block);
        }
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
