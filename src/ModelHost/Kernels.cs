using System.Numerics.Tensors;

namespace AgentMem.ModelHost;

/// <summary>
/// The vectorised kernels of the forward pass, on spans and <see cref="TensorPrimitives"/>.
/// Each has a plain-loop twin in <see cref="ScalarKernels"/> that tests compare against.
/// </summary>
internal static class Kernels
{
    /// <summary>o = weight ⊙ x / sqrt(mean(x²) + eps). <paramref name="o"/> may alias <paramref name="x"/>.</summary>
    public static void RmsNorm(Span<float> o, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps = LlamaConfig.RmsEps)
    {
        float ss = TensorPrimitives.SumOfSquares(x);
        float scale = 1f / MathF.Sqrt((ss / x.Length) + eps);
        TensorPrimitives.Multiply(x, scale, o);
        TensorPrimitives.Multiply(o, weight, o);
    }

    /// <summary>o[i] = Σ_j w[i, j] · x[j] for a row-major [o.Length × x.Length] matrix.</summary>
    public static void MatVec(Span<float> o, ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        int n = x.Length;
        for (int i = 0; i < o.Length; i++)
        {
            o[i] = TensorPrimitives.Dot(w.Slice(i * n, n), x);
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
    public static void Rope(Span<float> v, int position, int headSize)
    {
        for (int i = 0; i < v.Length; i += 2)
        {
            int headDim = i % headSize;
            float freq = 1f / MathF.Pow(LlamaConfig.RopeTheta, headDim / (float)headSize);
            float angle = position * freq;
            float fcr = MathF.Cos(angle);
            float fci = MathF.Sin(angle);
            float v0 = v[i];
            float v1 = v[i + 1];
            v[i] = (v0 * fcr) - (v1 * fci);
            v[i + 1] = (v0 * fci) + (v1 * fcr);
        }
    }

    /// <summary>SwiGLU gate: h1 = silu(h1) ⊙ h3, with silu(x) = x·σ(x). <paramref name="scratch"/> has h1's length.</summary>
    public static void SwiGlu(Span<float> h1, ReadOnlySpan<float> h3, Span<float> scratch)
    {
        TensorPrimitives.Sigmoid(h1, scratch);
        TensorPrimitives.Multiply(h1, scratch, h1);
        TensorPrimitives.Multiply(h1, h3, h1);
    }
}
