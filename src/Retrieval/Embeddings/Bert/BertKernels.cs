using System.Numerics.Tensors;

namespace AgentMem.Retrieval.Embeddings.Bert;

/// <summary>
/// The numeric kernels of the BERT forward pass on spans and <see cref="TensorPrimitives"/>; each has a
/// scalar double-precision twin (suffix <c>Scalar</c>) that the tests compare it with.
/// </summary>
internal static class BertKernels
{
    /// <summary>y[t, o] = b[o] + Σ_i x[t, i] · w[o, i] for <paramref name="rows"/> rows; <paramref name="w"/> is PyTorch's [out, in].</summary>
    public static void Linear(ReadOnlySpan<float> x, int rows, int inDim, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int outDim, Span<float> y)
    {
        // Output-major: one weight row stays in L1 while the (smaller) activations stream from L2; the
        // token-major order re-read the whole weight matrix from memory for every token.
        for (int o = 0; o < outDim; o++)
        {
            ReadOnlySpan<float> wr = w.Slice(o * inDim, inDim);
            float bias = b[o];
            for (int t = 0; t < rows; t++)
            {
                y[(t * outDim) + o] = TensorPrimitives.Dot(wr, x.Slice(t * inDim, inDim)) + bias;
            }
        }
    }

    public static void LinearScalar(ReadOnlySpan<float> x, int rows, int inDim, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int outDim, Span<float> y)
    {
        for (int t = 0; t < rows; t++)
        {
            for (int o = 0; o < outDim; o++)
            {
                double sum = b[o];
                for (int i = 0; i < inDim; i++)
                {
                    sum += (double)x[t * inDim + i] * w[o * inDim + i];
                }

                y[t * outDim + o] = (float)sum;
            }
        }
    }

    /// <summary>In place, per row: (x − mean) / sqrt(var + eps) · gamma + beta (biased variance, as PyTorch).</summary>
    public static void LayerNorm(Span<float> x, int rows, int dim, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps)
    {
        for (int t = 0; t < rows; t++)
        {
            Span<float> r = x.Slice(t * dim, dim);
            float mean = TensorPrimitives.Sum(r) / dim;
            TensorPrimitives.Subtract(r, mean, r);
            float variance = TensorPrimitives.SumOfSquares(r) / dim;
            TensorPrimitives.Multiply(r, 1f / MathF.Sqrt(variance + eps), r);
            TensorPrimitives.FusedMultiplyAdd(r, gamma, beta, r);
        }
    }

    public static void LayerNormScalar(Span<float> x, int rows, int dim, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, double eps)
    {
        for (int t = 0; t < rows; t++)
        {
            Span<float> r = x.Slice(t * dim, dim);
            double mean = 0, variance = 0;
            for (int i = 0; i < dim; i++)
            {
                mean += r[i];
            }

            mean /= dim;
            for (int i = 0; i < dim; i++)
            {
                variance += (r[i] - mean) * (r[i] - mean);
            }

            double inv = 1 / Math.Sqrt(variance / dim + eps);
            for (int i = 0; i < dim; i++)
            {
                r[i] = (float)(((r[i] - mean) * inv * gamma[i]) + beta[i]);
            }
        }
    }

    /// <summary>In place: numerically stable softmax (the max is subtracted before exponentiating).</summary>
    public static void Softmax(Span<float> x)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        TensorPrimitives.Divide(x, TensorPrimitives.Sum(x), x);
    }

    public static void SoftmaxScalar(Span<float> x)
    {
        double max = double.NegativeInfinity;
        foreach (float v in x)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += Math.Exp(x[i] - max);
        }

        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(Math.Exp(x[i] - max) / sum);
        }
    }

    /// <summary>In place: exact GELU, x · Φ(x) = x/2 · (1 + erf(x/√2)), with <see cref="Erf"/> (|error| &lt; 1.5e-7).</summary>
    public static void Gelu(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            x[i] = (float)(0.5 * v * (1 + Erf(v * 0.7071067811865476)));
        }
    }

    public static void GeluScalar(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            x[i] = (float)(0.5 * v * (1 + ErfSeries(v * 0.7071067811865476)));
        }
    }

    /// <summary>
    /// erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, under float resolution of GELU's
    /// output); .NET has no Math.Erf and this is branch-light and fast.
    /// </summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        double t = 1 / (1 + (0.3275911 * ax));
        double poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 + (t * 1.061405429))))))));
        double y = 1 - (poly * Math.Exp(-ax * ax));
        return x < 0 ? -y : y;
    }

    /// <summary>
    /// Reference erf to double precision: erf(x) = 2/√π · e^(−x²) · Σ (2x²)^n x / (1·3·…·(2n+1)); every term is
    /// positive, so there is no cancellation; |x| ≥ 6 is ±1 to double precision.
    /// </summary>
    public static double ErfSeries(double x)
    {
        double ax = Math.Abs(x);
        if (ax >= 6)
        {
            return Math.Sign(x);
        }

        double term = ax, sum = ax, x2 = 2 * ax * ax;
        for (int n = 1; n < 500 && term > 1e-17 * sum; n++)
        {
            term *= x2 / ((2 * n) + 1);
            sum += term;
        }

        double y = 2 / Math.Sqrt(Math.PI) * Math.Exp(-ax * ax) * sum;
        return x < 0 ? -y : y;
    }
}
