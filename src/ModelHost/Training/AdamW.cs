namespace AgentMem.ModelHost.Training;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), as PyTorch's <c>AdamW</c>: per step t,
/// p ← p·(1 − lr·λ); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε).
/// Updates the parameter arrays in place; holds the moments of each.
/// </summary>
public sealed class AdamW
{
    private readonly float[][] parameters;
    private readonly float[][] m;
    private readonly float[][] v;
    private readonly float[] scratch;

    /// <summary>An optimiser over <paramref name="parameters"/> (updated in place, in this order).</summary>
    public AdamW(IReadOnlyList<float[]> parameters, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (beta1 is < 0f or >= 1f || beta2 is < 0f or >= 1f)
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), "betas must be in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        this.parameters = [.. parameters];
        m = [.. this.parameters.Select(p => new float[p.Length])];
        v = [.. this.parameters.Select(p => new float[p.Length])];
        scratch = new float[this.parameters.Length == 0 ? 0 : this.parameters.Max(p => p.Length)];
        (Beta1, Beta2, Epsilon, WeightDecay) = (beta1, beta2, epsilon, weightDecay);
    }

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>Added to √v̂ so tiny second moments do not blow the step up.</summary>
    public float Epsilon { get; }

    /// <summary>Decoupled weight decay λ (applied as p·(1 − lr·λ), not through the gradient).</summary>
    public float WeightDecay { get; }

    /// <summary>Steps taken so far (t of the bias correction).</summary>
    public int StepCount { get; private set; }

    /// <summary>One update with <paramref name="gradients"/> (same order and shapes as the parameters) at <paramref name="learningRate"/>.</summary>
    /// <exception cref="ArgumentException">The gradients do not match the parameters.</exception>
    public void Step(IReadOnlyList<float[]> gradients, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Count != parameters.Length)
        {
            throw new ArgumentException($"{parameters.Length} gradient tensors expected; {gradients.Count} given.", nameof(gradients));
        }

        // Every shape before any change: a mismatch found halfway would leave some parameters and moments stepped, others not.
        for (int i = 0; i < parameters.Length; i++)
        {
            if (gradients[i].Length != parameters[i].Length)
            {
                throw new ArgumentException($"gradient {i} has {gradients[i].Length} values; its parameter {parameters[i].Length}.", nameof(gradients));
            }
        }

        StepCount++;
        float correction1 = 1f - MathF.Pow(Beta1, StepCount);
        float correction2 = 1f - MathF.Pow(Beta2, StepCount);
        float stepSize = learningRate / correction1;
        float sqrtCorrection2 = MathF.Sqrt(correction2);
        for (int i = 0; i < parameters.Length; i++)
        {
            float[] p = parameters[i], g = gradients[i], mi = m[i], vi = v[i];
            var s = scratch.AsSpan(0, p.Length);
            if (WeightDecay > 0f)
            {
                TensorPrimitives.Multiply(p, 1f - (learningRate * WeightDecay), p);
            }

            // m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g².
            TensorPrimitives.Multiply(mi, Beta1, mi);
            TensorPrimitives.MultiplyAdd(g, 1f - Beta1, mi, mi);
            TensorPrimitives.Multiply(g, g, s);
            TensorPrimitives.Multiply(vi, Beta2, vi);
            TensorPrimitives.MultiplyAdd(s, 1f - Beta2, vi, vi);

            // p −= (lr/c1) · m / (√v/√c2 + ε), PyTorch's arrangement of the bias corrections.
            TensorPrimitives.Sqrt(vi, s);
            TensorPrimitives.Divide(s, sqrtCorrection2, s);
            TensorPrimitives.Add(s, Epsilon, s);
            TensorPrimitives.Divide(mi, s, s);
            TensorPrimitives.MultiplyAdd(s, -stepSize, p, p);
        }
    }
}
