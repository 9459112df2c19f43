using ILGPU;
using ILGPU.Algorithms;

namespace AgentMem.ModelHost.Backends.Ilgpu;

/// <summary>
/// The ILGPU kernels of the forward pass. Every kernel is a grid-stride loop over independent work items with no group
/// barriers or warp shuffles: reductions are either sequential per item or split and combined with atomic adds. That keeps
/// them fast on ILGPU's CPU accelerator (which emulates barriers with OS threads) so CI can run every kernel; on a GPU the
/// layouts keep neighbouring threads on neighbouring addresses (matrices are stored transposed: [cols × rows]).
/// </summary>
internal static class IlgpuKernels
{
    private static int Stride => Grid.DimX * Group.DimX;

    /// <summary>
    /// o[t, r] (+)= Σ_{j in chunk} wT[j, r] · x[t, j] for items (r, chunk, 4-token tile), r fastest. With one chunk each output
    /// has one writer (plain store, deterministic); with several, partial sums meet by atomic add into a zeroed or residual o.
    /// </summary>
    public static void MatMulF32(ArrayView<float> wT, ArrayView<float> x, ArrayView<float> o, int rows, int cols, int tokens, int chunk, int accumulate)
    {
        int chunks = (cols + chunk - 1) / chunk;
        int tiles = (tokens + 3) / 4;
        int total = rows * chunks * tiles;
        for (int i = Grid.GlobalIndex.X; i < total; i += Stride)
        {
            int r = i % rows, rest = i / rows, c = rest % chunks, t0 = rest / chunks * 4;
            int j0 = c * chunk, j1 = Math.Min(cols, j0 + chunk), n = Math.Min(4, tokens - t0);
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            long x0 = (long)t0 * cols;
            for (int j = j0; j < j1; j++)
            {
                float w = wT[((long)j * rows) + r];
                a0 += w * x[x0 + j];
                if (n > 1)
                {
                    a1 += w * x[x0 + cols + j];
                    if (n > 2)
                    {
                        a2 += w * x[x0 + (2 * cols) + j];
                        if (n > 3)
                        {
                            a3 += w * x[x0 + (3 * cols) + j];
                        }
                    }
                }
            }

            Store(o, ((long)t0 * rows) + r, rows, n, a0, a1, a2, a3, chunks, accumulate);
        }
    }

    /// <summary><see cref="MatMulF32"/> over per-row int8 weights (transposed) with one float scale per output row.</summary>
    public static void MatMulInt8(ArrayView<sbyte> wT, ArrayView<float> scales, ArrayView<float> x, ArrayView<float> o, int rows, int cols, int tokens, int chunk, int accumulate)
    {
        int chunks = (cols + chunk - 1) / chunk;
        int tiles = (tokens + 3) / 4;
        int total = rows * chunks * tiles;
        for (int i = Grid.GlobalIndex.X; i < total; i += Stride)
        {
            int r = i % rows, rest = i / rows, c = rest % chunks, t0 = rest / chunks * 4;
            int j0 = c * chunk, j1 = Math.Min(cols, j0 + chunk), n = Math.Min(4, tokens - t0);
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            long x0 = (long)t0 * cols;
            for (int j = j0; j < j1; j++)
            {
                float w = wT[((long)j * rows) + r];
                a0 += w * x[x0 + j];
                if (n > 1)
                {
                    a1 += w * x[x0 + cols + j];
                    if (n > 2)
                    {
                        a2 += w * x[x0 + (2 * cols) + j];
                        if (n > 3)
                        {
                            a3 += w * x[x0 + (3 * cols) + j];
                        }
                    }
                }
            }

            float s = scales[r];
            Store(o, ((long)t0 * rows) + r, rows, n, a0 * s, a1 * s, a2 * s, a3 * s, chunks, accumulate);
        }
    }

    private static void Store(ArrayView<float> o, long at, int rows, int n, float a0, float a1, float a2, float a3, int chunks, int accumulate)
    {
        Put(o, at, a0, chunks, accumulate);
        if (n > 1)
        {
            Put(o, at + rows, a1, chunks, accumulate);
        }

        if (n > 2)
        {
            Put(o, at + (2L * rows), a2, chunks, accumulate);
        }

        if (n > 3)
        {
            Put(o, at + (3L * rows), a3, chunks, accumulate);
        }
    }

    private static void Put(ArrayView<float> o, long at, float value, int chunks, int accumulate)
    {
        if (chunks > 1)
        {
            Atomic.Add(ref o[at], value);
        }
        else
        {
            o[at] = accumulate != 0 ? o[at] + value : value;
        }
    }

    /// <summary>ss[row] (+)= Σ x[row, j]² over chunks of the row (atomic when a row has several chunks; ss zeroed then).</summary>
    public static void SumSquares(ArrayView<float> x, ArrayView<float> ss, int rows, int dim, int chunk)
    {
        int chunks = (dim + chunk - 1) / chunk;
        for (int i = Grid.GlobalIndex.X; i < rows * chunks; i += Stride)
        {
            int row = i / chunks, c = i % chunks;
            int j0 = c * chunk, j1 = Math.Min(dim, j0 + chunk);
            long b = (long)row * dim;
            float s = 0f;
            for (int j = j0; j < j1; j++)
            {
                float v = x[b + j];
                s += v * v;
            }

            if (chunks > 1)
            {
                Atomic.Add(ref ss[row], s);
            }
            else
            {
                ss[row] = s;
            }
        }
    }

    /// <summary>o[row, j] = (x[row, j] · 1/√(ss[row]/dim + eps)) · gain[j], the CPU kernel's order of operations.</summary>
    public static void Normalize(ArrayView<float> x, ArrayView<float> ss, ArrayView<float> gain, ArrayView<float> o, int rows, int dim, float eps)
    {
        for (int i = Grid.GlobalIndex.X; i < rows * dim; i += Stride)
        {
            int row = i / dim, j = i % dim;
            float scale = 1f / XMath.Sqrt((ss[row] / dim) + eps);
            o[i] = x[i] * scale * gain[j];
        }
    }

    /// <summary>v[row, j] += bias[j].</summary>
    public static void AddBias(ArrayView<float> v, ArrayView<float> bias, int rows, int width)
    {
        for (int i = Grid.GlobalIndex.X; i < rows * width; i += Stride)
        {
            v[i] += bias[i % width];
        }
    }

    /// <summary>
    /// RoPE with host-computed tables cos/sin [positions × headSize/2] (the CPU kernel's own angles): item (row, head, pair)
    /// turns pair i of that head at position startPosition + row. style 0 = interleaved (2i, 2i+1), 1 = half (i, i + hs/2).
    /// </summary>
    public static void Rope(ArrayView<float> v, ArrayView<float> cos, ArrayView<float> sin, int rows, int width, int headSize, int startPosition, int style)
    {
        int half = headSize / 2, heads = width / headSize;
        for (int i = Grid.GlobalIndex.X; i < rows * heads * half; i += Stride)
        {
            int p = i % half, rest = i / half, h = rest % heads, row = rest / heads;
            int a = style == 0 ? 2 * p : p;
            int b = style == 0 ? (2 * p) + 1 : p + half;
            long at = ((long)row * width) + (h * headSize);
            long table = ((long)(startPosition + row) * half) + p;
            float fcr = cos[table], fci = sin[table];
            float v0 = v[at + a], v1 = v[at + b];
            v[at + a] = (v0 * fcr) - (v1 * fci);
            v[at + b] = (v0 * fci) + (v1 * fcr);
        }
    }

    /// <summary>
    /// Attention scores: att[(t·heads + h)·span + s] = q[t, h]·k[s, h / kvMul]/√hs for s ≤ startSlot + t (item (t, h, s), s fastest).
    /// </summary>
    public static void Scores(ArrayView<float> q, ArrayView<float> keys, ArrayView<float> att, int tokens, int heads, int kvMul, int headSize, int kvDim, int startSlot, int span, float scale)
    {
        int dim = heads * headSize;
        for (int i = Grid.GlobalIndex.X; i < tokens * heads * span; i += Stride)
        {
            int s = i % span, rest = i / span, h = rest % heads, t = rest / heads;
            if (s > startSlot + t)
            {
                continue;
            }

            long qb = ((long)t * dim) + (h * headSize);
            long kb = ((long)s * kvDim) + (h / kvMul * headSize);
            float acc = 0f;
            for (int d = 0; d < headSize; d++)
            {
                acc += q[qb + d] * keys[kb + d];
            }

            att[i] = acc * scale;
        }
    }

    /// <summary>In-place softmax of each (t, h) row of att over its slots 0 .. startSlot + t (one item per row, sequential).</summary>
    public static void Softmax(ArrayView<float> att, int tokens, int heads, int startSlot, int span)
    {
        for (int i = Grid.GlobalIndex.X; i < tokens * heads; i += Stride)
        {
            int t = i / heads, n = startSlot + t + 1;
            long b = (long)i * span;
            float max = att[b];
            for (int s = 1; s < n; s++)
            {
                max = XMath.Max(max, att[b + s]);
            }

            float sum = 0f;
            for (int s = 0; s < n; s++)
            {
                float e = XMath.Exp(att[b + s] - max);
                att[b + s] = e;
                sum += e;
            }

            for (int s = 0; s < n; s++)
            {
                att[b + s] /= sum;
            }
        }
    }

    /// <summary>o[t, h·hs + d] = Σ_s att[t, h, s] · v[s, (h / kvMul)·hs + d] (item (t, h, d), d fastest: neighbours read neighbours).</summary>
    public static void Mix(ArrayView<float> att, ArrayView<float> values, ArrayView<float> o, int tokens, int heads, int kvMul, int headSize, int kvDim, int startSlot, int span)
    {
        int dim = heads * headSize;
        for (int i = Grid.GlobalIndex.X; i < tokens * dim; i += Stride)
        {
            int d = i % headSize, rest = i / headSize, h = rest % heads, t = rest / heads;
            int n = startSlot + t + 1;
            long ab = ((long)((t * heads) + h)) * span;
            long vb = (h / kvMul * headSize) + d;
            float acc = 0f;
            for (int s = 0; s < n; s++)
            {
                acc += att[ab + s] * values[((long)s * kvDim) + vb];
            }

            o[i] = acc;
        }
    }

    /// <summary>h1 = (h1 · σ(h1)) · h3, the CPU kernel's order.</summary>
    public static void SwiGlu(ArrayView<float> h1, ArrayView<float> h3)
    {
        for (int i = Grid.GlobalIndex.X; i < h1.IntLength; i += Stride)
        {
            float a = h1[i];
            float sig = 1f / (1f + XMath.Exp(-a));
            h1[i] = a * sig * h3[i];
        }
    }
}
