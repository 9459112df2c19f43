using ILGPU;
using ILGPU.Algorithms;

namespace AgentMem.ModelHost.Backends.Ilgpu;

/// <summary>
/// The ILGPU kernels of the forward pass. Every kernel is a grid-stride loop over independent work items with no group
/// barriers or warp shuffles: reductions are either sequential per item or split and combined with
/// atomic adds. That keeps them fast on ILGPU's CPU accelerator (which emulates a barrier with OS threads, ~0.1 ms each) so CI
/// can run every kernel; on a GPU the layouts keep neighbouring threads on neighbouring addresses (matrices are stored
/// transposed: [cols × rows]). Kernels are fused where a decode step would otherwise pay a launch for little work: q|k|v and
/// w1|w3 are stacked products; bias, RoPE and the cache stores are one kernel; softmax is folded into the weighted sum.
/// </summary>
internal static class IlgpuKernels
{
    private static int Stride => Grid.DimX * Group.DimX;

    /// <summary>
    /// o[t, r] (+)= scale[r] · Σ_{j in chunk} wT[j, r] · x[t, j] for items (r, chunk, 4-token tile), r fastest (scales only when
    /// <paramref name="scaled"/>: int8 rows). With one chunk each output has one writer (plain store, deterministic); with
    /// several, partial sums meet by atomic add into a zeroed or residual o.
    /// </summary>
    public static void MatMul<TWeights>(TWeights wT, ArrayView<float> scales, int scaled, ArrayView<float> x, ArrayView<float> o, int rows, int cols, int tokens, int chunk, int accumulate)
        where TWeights : struct, IWeightView
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
                float w = wT.At(((long)j * rows) + r);
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

            float s = scaled != 0 ? scales[r] : 1f;
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

    /// <summary>
    /// One decoded token's product (the hot loop of decode): o[r] (+)= scale[r] · Σ_{j in chunk} wT[j, r] · x[j], four
    /// independent loads per step so each thread keeps several memory requests in flight.
    /// </summary>
    public static void MatVec<TWeights>(TWeights wT, ArrayView<float> scales, int scaled, ArrayView<float> x, ArrayView<float> o, int rows, int cols, int chunk, int accumulate)
        where TWeights : struct, IWeightView
    {
        int chunks = (cols + chunk - 1) / chunk;
        for (int i = Grid.GlobalIndex.X; i < rows * chunks; i += Stride)
        {
            int r = i % rows, c = i / rows;
            int j = c * chunk, j1 = Math.Min(cols, j + chunk);
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (; j + 3 < j1; j += 4)
            {
                long at = ((long)j * rows) + r;
                a0 += wT.At(at) * x[j];
                a1 += wT.At(at + rows) * x[j + 1];
                a2 += wT.At(at + (2L * rows)) * x[j + 2];
                a3 += wT.At(at + (3L * rows)) * x[j + 3];
            }

            for (; j < j1; j++)
            {
                a0 += wT.At(((long)j * rows) + r) * x[j];
            }

            Put(o, r, ((a0 + a1) + (a2 + a3)) * (scaled != 0 ? scales[r] : 1f), chunks, accumulate);
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

    /// <summary>
    /// The attention inputs from a stacked q|k|v product s [tokens × (dim + 2·kvDim)]: adds the stacked bias when
    /// <paramref name="hasBias"/>, turns q and k by RoPE (cos/sin tables computed on the host) and writes q to
    /// <paramref name="q"/> and k, v to their cache slots. Items: per token dim/2 q pairs, kvDim/2 k pairs, kvDim v values.
    /// </summary>
    public static void RopeStore(ArrayView<float> s, ArrayView<float> bias, int hasBias, ArrayView<float> cos, ArrayView<float> sin, ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, int tokens, int dim, int kvDim, int headSize, int startPosition, int style)
    {
        int half = headSize / 2, qPairs = dim / 2, kPairs = kvDim / 2, per = qPairs + kPairs + kvDim, width = dim + (2 * kvDim);
        for (int i = Grid.GlobalIndex.X; i < tokens * per; i += Stride)
        {
            int t = i / per, e = i % per;
            long row = (long)t * width;
            if (e >= qPairs + kPairs)
            {
                int j = e - qPairs - kPairs;
                v[((long)t * kvDim) + j] = s[row + dim + kvDim + j] + (hasBias != 0 ? bias[dim + kvDim + j] : 0f);
                continue;
            }

            bool isQ = e < qPairs;
            int pair = isQ ? e : e - qPairs;
            int h = pair / half, p = pair % half;
            int a = (h * headSize) + (style == 0 ? 2 * p : p);
            int b = (h * headSize) + (style == 0 ? (2 * p) + 1 : p + half);
            int from = isQ ? 0 : dim;
            float v0 = s[row + from + a] + (hasBias != 0 ? bias[from + a] : 0f);
            float v1 = s[row + from + b] + (hasBias != 0 ? bias[from + b] : 0f);
            long table = ((long)(startPosition + t) * half) + p;
            float fcr = cos[table], fci = sin[table];
            float r0 = (v0 * fcr) - (v1 * fci);
            float r1 = (v0 * fci) + (v1 * fcr);
            if (isQ)
            {
                q[((long)t * dim) + a] = r0;
                q[((long)t * dim) + b] = r1;
            }
            else
            {
                k[((long)t * kvDim) + a] = r0;
                k[((long)t * kvDim) + b] = r1;
            }
        }
    }

    /// <summary>h[t, i] = (g · σ(g)) · u with g = s[t, i], u = s[t, hidden + i] from a stacked w1|w3 product (the CPU kernel's order).</summary>
    public static void SwiGlu(ArrayView<float> s, ArrayView<float> h, int tokens, int hidden)
    {
        for (int i = Grid.GlobalIndex.X; i < tokens * hidden; i += Stride)
        {
            int t = i / hidden, j = i % hidden;
            long row = (long)t * 2 * hidden;
            float g = s[row + j];
            float sig = 1f / (1f + XMath.Exp(-g));
            h[i] = g * sig * s[row + hidden + j];
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

    /// <summary>
    /// o[t, h·hs + d] = Σ_s w[t, h, s] · v[s, (h / kvMul)·hs + d] (item (t, h, d), d fastest: neighbours read neighbours). With
    /// <paramref name="normalized"/> = 0, att holds raw scores and each item takes their softmax itself (max, Σ exp: the row is
    /// shared by the head's items, so it is read from cache), saving a launch; with 1, att already holds the weights.
    /// </summary>
    public static void Mix(ArrayView<float> att, ArrayView<float> values, ArrayView<float> o, int tokens, int heads, int kvMul, int headSize, int kvDim, int startSlot, int span, int normalized)
    {
        int dim = heads * headSize;
        for (int i = Grid.GlobalIndex.X; i < tokens * dim; i += Stride)
        {
            int d = i % headSize, rest = i / headSize, h = rest % heads, t = rest / heads;
            int n = startSlot + t + 1;
            long ab = ((long)((t * heads) + h)) * span;
            long vb = (h / kvMul * headSize) + d;
            float max = 0f, inv = 1f;
            if (normalized == 0)
            {
                max = att[ab];
                for (int s = 1; s < n; s++)
                {
                    max = XMath.Max(max, att[ab + s]);
                }

                float sum = 0f;
                for (int s = 0; s < n; s++)
                {
                    sum += XMath.Exp(att[ab + s] - max);
                }

                inv = 1f / sum;
            }

            float acc = 0f;
            for (int s = 0; s < n; s++)
            {
                float w = normalized == 0 ? XMath.Exp(att[ab + s] - max) * inv : att[ab + s];
                acc += w * values[((long)s * kvDim) + vb];
            }

            o[i] = acc;
        }
    }
}
