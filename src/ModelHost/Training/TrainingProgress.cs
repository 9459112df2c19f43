namespace AgentMem.ModelHost.Training;

/// <summary>
/// What a training run reports: after each step (<see cref="TrainingPhase.Steps"/>), then, for <see cref="LoraAdapterTrainer"/>,
/// after each window of the final-loss pass (<see cref="TrainingPhase.FinalLoss"/>), which on a large data set takes longer
/// than the steps.
/// </summary>
/// <param name="Step">Steps done (1-based); in the final-loss pass, windows done.</param>
/// <param name="TotalSteps">Steps planned; in the final-loss pass, windows to evaluate.</param>
/// <param name="Loss">The step's loss (before its update); in the final-loss pass, the token-weighted mean over the windows done.</param>
/// <param name="LearningRate">The rate the step used (0 in the final-loss pass).</param>
/// <param name="GradientNorm">The global gradient norm before clipping (0 in the final-loss pass).</param>
/// <param name="Elapsed">Time since the loop started; in the final-loss pass, since the training started.</param>
public readonly record struct TrainingProgress(int Step, int TotalSteps, float Loss, float LearningRate, float GradientNorm, TimeSpan Elapsed)
{
    /// <summary>The part of the run reported (default <see cref="TrainingPhase.Steps"/>).</summary>
    public TrainingPhase Phase { get; init; }
}
