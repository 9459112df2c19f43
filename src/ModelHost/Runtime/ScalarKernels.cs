namespace AgentMem.ModelHost;

/// <summary>
/// Plain-loop reference twins of <see cref="Kernels"/>, written straight from llama2.c's run.c.
/// Not used for inference; tests check the vectorised kernels against these within float tolerances.
/// </summary>
internal static partial class ScalarKernels
{
    public static void RmsNorm(Span<float> o, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps = LlamaConfig.RmsEps)
    {
        float ss = 0f;
        for (int j = 0; j < x.Length; j++)
        {
            ss += x[j] * x[j];
        }

        ss /= x.Length;
        ss += eps;
        ss = 1f / MathF.Sqrt(ss);
        for (int j = 0; j < x.Length; j++)
        {
            o[j] = weight[j] * (ss * x[j]);
        }
    }

    public static void MatVec(Span<float> o, ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        int n = x.Length;
        for (int i = 0; i < o.Length; i++)
        {
            float val = 0f;
            for (int j = 0; j < n; j++)
            {
                val += w[(i * n) + j] * x[j];
            }

            o[i] = val;
        }
    }

    public static void Softmax(Span<float> x)
    {
        float max = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            max = Math.Max(max, x[i]);
        }

        float sum = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }

        for (int i = 0; i < x.Length; i++)
        {
            x[i] /= sum;
        }
    }

    /// <summary>RoPE in double precision with explicit complex rotation, an independent formulation of the same map.</summary>
    public static void Rope(Span<float> v, int position, int headSize)
    {
        for (int i = 0; i < v.Length; i += 2)
        {
            double theta = position * Math.Pow(10000.0, -(i % headSize) / (double)headSize);
            var z = new System.Numerics.Complex(v[i], v[i + 1]) * System.Numerics.Complex.FromPolarCoordinates(1.0, theta);
            v[i] = (float)z.Real;
            v[i + 1] = (float)z.Imaginary;
        }
    }

    /// <summary>Hugging Face <c>apply_rotary_pos_emb</c> per head, literally: v·cos + rotate_half(v)·sin, in double precision.</summary>
    public static void RopeHalf(Span<float> v, int position, int headSize, double theta)
    {
        int half = headSize / 2;
        for (int h = 0; h < v.Length; h += headSize)
        {
            var head = v.Slice(h, headSize).ToArray();
            for (int d = 0; d < headSize; d++)
            {
                // transformers: inv_freq[i] = θ^(−2i/headSize); emb = cat(freqs, freqs); rotate_half(x) = cat(−x2, x1).
                double angle = position * Math.Pow(theta, -2.0 * (d % half) / headSize);
                double rotated = d < half ? -head[d + half] : head[d - half];
                v[h + d] = (float)((head[d] * Math.Cos(angle)) + (rotated * Math.Sin(angle)));
            }
        }
    }

    public static void SwiGlu(Span<float> h1, ReadOnlySpan<float> h3)
    {
        for (int i = 0; i < h1.Length; i++)
        {
            float val = h1[i];
            val *= 1f / (1f + MathF.Exp(-val));
            h1[i] = val * h3[i];
        }
    }

    /// <summary>o[t, i] = Σ_j w[i, j] · x[t, j], triple loop in double precision.</summary>
    public static void MatMul(Span<float> o, ReadOnlySpan<float> w, ReadOnlySpan<float> x, int tokens, int rows, int cols)
    {
        for (int t = 0; t < tokens; t++)
        {
            for (int i = 0; i < rows; i++)
            {
                double val = 0;
                for (int j = 0; j < cols; j++)
                {
                    val += (double)w[(i * cols) + j] * x[(t * cols) + j];
                }

                o[(t * rows) + i] = (float)val;
            }
        }
    }

    /// <summary>o[i] = scale[i] · Σ_j q[i, j] · x[j] in double precision.</summary>
    public static void MatVecInt8(Span<float> o, ReadOnlySpan<sbyte> q, ReadOnlySpan<float> scales, ReadOnlySpan<float> x)
    {
        int n = x.Length;
        for (int i = 0; i < o.Length; i++)
        {
            double val = 0;
            for (int j = 0; j < n; j++)
            {
                val += q[(i * n) + j] * (double)x[j];
            }

            o[i] = (float)(scales[i] * val);
        }
    }
}
