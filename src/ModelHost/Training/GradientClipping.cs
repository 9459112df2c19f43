namespace AgentMem.ModelHost.Training;

/// <summary>Clipping by the global norm: all gradient tensors scaled together so their joint L2 norm is at most a bound.</summary>
public static class GradientClipping
{
    /// <summary>
    /// The joint L2 norm of <paramref name="gradients"/> before clipping; when it exceeds <paramref name="maxNorm"/>, every
    /// tensor is multiplied by maxNorm / norm in place (the direction is kept, unlike clipping element by element).
    /// </summary>
    /// <exception cref="ArithmeticException">A gradient is NaN or infinite (the gradients are left as they are).</exception>
    public static float ClipByGlobalNorm(IReadOnlyList<float[]> gradients, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        double norm = Norm(gradients);
        if (!double.IsFinite(norm))
        {
            // No direction to keep, and an optimiser step with it would write NaN into every parameter.
            throw new ArithmeticException($"the gradients' global norm is {norm}: a gradient is NaN or infinite.");
        }

        if (norm > maxNorm)
        {
            // In double: the norm of finite floats can exceed float.MaxValue, and maxNorm / ∞ would zero the gradients.
            float scale = (float)(maxNorm / norm);
            foreach (var g in gradients)
            {
                TensorPrimitives.Multiply(g, scale, g);
            }
        }

        return (float)norm;
    }

    /// <summary>√(Σ over every tensor of Σ g²) (NaN or ∞ when a gradient is).</summary>
    public static float GlobalNorm(IReadOnlyList<float[]> gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        return (float)Norm(gradients);
    }

    // The squares summed in double, not only across tensors: many tensors would lose precision, and a float square overflows
    // from 1.8e19 on although the norm may well fit a float. Widened a chunk at a time to keep the sum vectorised.
    private static double Norm(IReadOnlyList<float[]> gradients)
    {
        Span<double> wide = stackalloc double[256];
        double sum = 0;
        foreach (var tensor in gradients)
        {
            ReadOnlySpan<float> g = tensor;
            for (int i = 0; i < g.Length; i += wide.Length)
            {
                var part = g.Slice(i, Math.Min(wide.Length, g.Length - i));
                TensorPrimitives.ConvertChecked(part, wide);
                sum += TensorPrimitives.SumOfSquares<double>(wide[..part.Length]);
            }
        }

        return Math.Sqrt(sum);
    }
}
