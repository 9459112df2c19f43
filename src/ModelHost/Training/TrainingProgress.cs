namespace AgentMem.ModelHost.Training;

/// <summary>What a training loop reports after each step.</summary>
/// <param name="Step">Steps done (1-based).</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Loss">The step's loss (before its update).</param>
/// <param name="LearningRate">The rate the step used.</param>
/// <param name="GradientNorm">The global gradient norm before clipping.</param>
/// <param name="Elapsed">Time since the loop started.</param>
public readonly record struct TrainingProgress(int Step, int TotalSteps, float Loss, float LearningRate, float GradientNorm, TimeSpan Elapsed);
