using System.Numerics;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// The training graph's kernels, generic over the precision (float for training, double for gradient checks) on
/// <see cref="TensorPrimitives"/>' generic overloads. Matrices are row-major [rows × cols] at an offset into a stacked array;
/// activations are [n × width] with one row per sequence position, which is what the products parallelise over.
/// </summary>
internal static class TapeKernels
{
    /// <summary>
    /// Multiply–adds below this many are run on the calling thread: a Parallel.For barrier costs more than a tiny model's
    /// whole product (stories260K's projections over 64 tokens are above it, the gradient-check model's are far below).
    /// </summary>
    public const long ParallelMinWork = 1 << 16;

    /// <summary>Runs <paramref name="body"/> for 0 .. count-1, in parallel when the total work pays for it.</summary>
    public static void For(int count, long work, Action<int> body)
    {
        if (count > 1 && work >= ParallelMinWork && Environment.ProcessorCount > 1)
        {
            Parallel.For(0, count, body);
            return;
        }

        for (int i = 0; i < count; i++)
        {
            body(i);
        }
    }

    /// <summary>
    /// y[t, i] = Σ_j w[i, j] · x[t, j] for t &lt; n (w at <paramref name="wOffset"/>). In float, several positions go through the
    /// inference model's register-tiled <see cref="Kernels.MatMul"/> (the batched prefill's product: same sums, several times
    /// faster than a dot product per row and position); double, for gradient checks, uses the plain loop.
    /// </summary>
    public static void MatMul<T>(T[] y, T[] w, int wOffset, T[] x, int n, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && n > 1)
        {
            Kernels.MatMul(
                MemoryMarshal.Cast<T, float>(y.AsSpan(0, n * rows)),
                MemoryMarshal.Cast<T, float>(w.AsSpan(wOffset, rows * cols)),
                MemoryMarshal.Cast<T, float>(x.AsSpan(0, n * cols)),
                n,
                rows,
                cols);
            return;
        }

        For(n, (long)n * rows * cols, t =>
        {
            var ws = w.AsSpan(wOffset, rows * cols);
            var xs = x.AsSpan(t * cols, cols);
            var ys = y.AsSpan(t * rows, rows);
            for (int i = 0; i < rows; i++)
            {
                ys[i] = TensorPrimitives.Dot(ws.Slice(i * cols, cols), xs);
            }
        });
    }

    /// <summary>
    /// dx[t, j] += Σ_i dy[t, i] · w[i, j]: the input gradient of <see cref="MatMul{T}"/>. With <paramref name="wTransposed"/>
    /// (the same matrices transposed, same offset) it is the tiled product Wᵀ·dy added to dx.
    /// </summary>
    public static void MatMulTransposedAdd<T>(T[] dx, T[] w, int wOffset, T[] dy, int n, int rows, int cols, T[]? wTransposed = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (wTransposed is not null && n > 1)
        {
            var product = new T[n * cols];
            MatMul(product, wTransposed, wOffset, dy, n, cols, rows);
            TensorPrimitives.Add(dx.AsSpan(0, n * cols), product, dx.AsSpan(0, n * cols));
            return;
        }

        For(n, (long)n * rows * cols, t =>
        {
            var ws = w.AsSpan(wOffset, rows * cols);
            var dxs = dx.AsSpan(t * cols, cols);
            var dys = dy.AsSpan(t * rows, rows);
            for (int i = 0; i < rows; i++)
            {
                if (dys[i] != T.Zero)
                {
                    TensorPrimitives.MultiplyAdd(ws.Slice(i * cols, cols), dys[i], dxs, dxs);
                }
            }
        });
    }

    /// <summary>g[i, j] += scale · Σ_t dy[t, i] · x[t, j]: a weight gradient (outer products summed over positions).</summary>
    public static void OuterProductAdd<T>(T[] g, T[] dy, T[] x, int n, int rows, int cols, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Parallel over rows of g so no two threads write the same row; each sums its positions in order (deterministic).
        For(rows, (long)n * rows * cols, i =>
        {
            var gi = g.AsSpan(i * cols, cols);
            for (int t = 0; t < n; t++)
            {
                T f = dy[(t * rows) + i] * scale;
                if (f != T.Zero)
                {
                    TensorPrimitives.MultiplyAdd(x.AsSpan(t * cols, cols), f, gi, gi);
                }
            }
        });
    }

    /// <summary>
    /// y[t] = gain ⊙ x[t] · r[t] with r[t] = 1/√(mean(x[t]²) + eps), keeping r for the backward pass; the same operations in the
    /// same order as <see cref="Kernels.RmsNorm"/>, so float results agree with the inference model bit for bit.
    /// </summary>
    public static void RmsNorm<T>(T[] y, T[] r, T[] x, T[] gain, int gainOffset, int n, int dim, T eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = gain.AsSpan(gainOffset, dim);
        for (int t = 0; t < n; t++)
        {
            var xs = x.AsSpan(t * dim, dim);
            var ys = y.AsSpan(t * dim, dim);
            T ss = TensorPrimitives.SumOfSquares<T>(xs);
            T scale = T.One / T.Sqrt((ss / T.CreateTruncating(dim)) + eps);
            r[t] = scale;
            TensorPrimitives.Multiply(xs, scale, ys);
            TensorPrimitives.Multiply(ys, g, ys);
        }
    }

    /// <summary>
    /// dx[t] += r·(g ⊙ dy) − (r³/dim)·(Σ g ⊙ dy ⊙ x)·x: the gradient of <see cref="RmsNorm{T}"/> with respect to its input
    /// (the gains are frozen).
    /// </summary>
    public static void RmsNormBackwardAdd<T>(T[] dx, T[] dy, T[] x, T[] r, T[] gain, int gainOffset, int n, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = gain.AsSpan(gainOffset, dim);
        var gdy = new T[dim];
        for (int t = 0; t < n; t++)
        {
            var xs = x.AsSpan(t * dim, dim);
            var dxs = dx.AsSpan(t * dim, dim);
            TensorPrimitives.Multiply(g, dy.AsSpan(t * dim, dim), gdy);
            T dot = TensorPrimitives.Dot<T>(gdy, xs);
            T rt = r[t];
            T coefficient = rt * rt * rt * dot / T.CreateTruncating(dim);
            TensorPrimitives.MultiplyAdd(gdy, rt, dxs, dxs);
            TensorPrimitives.MultiplyAdd(xs, -coefficient, dxs, dxs);
        }
    }

    /// <summary>In-place softmax shifted by the maximum, as <see cref="Kernels.Softmax"/>.</summary>
    public static void Softmax<T>(Span<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max<T>(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp<T>(x, x);
        T sum = TensorPrimitives.Sum<T>(x);
        TensorPrimitives.Divide(x, sum, x);
    }

    /// <summary>log Σ exp(x), shifted by the maximum.</summary>
    public static T LogSumExp<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x);
        T sum = T.Zero;
        foreach (T v in x)
        {
            sum += T.Exp(v - max);
        }

        return max + T.Log(sum);
    }
}
