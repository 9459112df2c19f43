namespace AgentMem.ModelHost.Training;

/// <summary>Clipping by the global norm: all gradient tensors scaled together so their joint L2 norm is at most a bound.</summary>
public static class GradientClipping
{
    /// <summary>
    /// The joint L2 norm of <paramref name="gradients"/> before clipping; when it exceeds <paramref name="maxNorm"/>, every
    /// tensor is multiplied by maxNorm / norm in place (the direction is kept, unlike clipping element by element).
    /// </summary>
    public static float ClipByGlobalNorm(IReadOnlyList<float[]> gradients, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        float norm = GlobalNorm(gradients);
        if (norm > maxNorm)
        {
            float scale = maxNorm / norm;
            foreach (var g in gradients)
            {
                TensorPrimitives.Multiply(g, scale, g);
            }
        }

        return norm;
    }

    /// <summary>√(Σ over every tensor of Σ g²), summed in double so many tensors do not lose precision.</summary>
    public static float GlobalNorm(IReadOnlyList<float[]> gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        double sum = 0;
        foreach (var g in gradients)
        {
            sum += TensorPrimitives.SumOfSquares<float>(g);
        }

        return (float)Math.Sqrt(sum);
    }
}
