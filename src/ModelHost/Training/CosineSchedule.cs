namespace AgentMem.ModelHost.Training;

/// <summary>
/// Learning rate with linear warm-up then cosine decay: step s (0-based) gets peak·(s+1)/warmup during the warm-up, then
/// min + (peak − min)·(1 + cos(π·progress))/2 with progress going from 0 to 1 over the remaining steps.
/// </summary>
public sealed class CosineSchedule
{
    /// <summary>A schedule of <paramref name="totalSteps"/> steps.</summary>
    public CosineSchedule(float peakLearningRate, int warmupSteps, int totalSteps, float minLearningRate = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peakLearningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(warmupSteps, totalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(minLearningRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minLearningRate, peakLearningRate);
        (PeakLearningRate, WarmupSteps, TotalSteps, MinLearningRate) = (peakLearningRate, warmupSteps, totalSteps, minLearningRate);
    }

    /// <summary>Rate at the end of the warm-up.</summary>
    public float PeakLearningRate { get; }

    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; }

    /// <summary>Steps of the whole schedule.</summary>
    public int TotalSteps { get; }

    /// <summary>Rate at the last step.</summary>
    public float MinLearningRate { get; }

    /// <summary>The rate of step <paramref name="step"/> (0-based; steps past the end keep the minimum).</summary>
    public float LearningRate(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return PeakLearningRate * (step + 1) / WarmupSteps;
        }

        if (step >= TotalSteps)
        {
            return MinLearningRate;
        }

        // Progress runs 0 → 1 from the first decay step to the last, so the last step uses the minimum (one decay step: the peak).
        int decaySteps = TotalSteps - WarmupSteps;
        double progress = decaySteps <= 1 ? 0.0 : (step - WarmupSteps) / (double)(decaySteps - 1);
        return (float)(MinLearningRate + ((PeakLearningRate - MinLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * progress))));
    }
}
