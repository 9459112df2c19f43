namespace AgentMem.ModelHost.Training;

/// <summary>Which part of a training run a <see cref="TrainingProgress"/> reports.</summary>
public enum TrainingPhase
{
    /// <summary>An optimiser step: <see cref="TrainingProgress.Step"/> of <see cref="TrainingProgress.TotalSteps"/> steps.</summary>
    Steps,

    /// <summary>
    /// The loss over all the data after the last step (<see cref="LoraAdapterTrainer"/>'s <c>final_loss</c>), one forward pass per
    /// window: <see cref="TrainingProgress.Step"/> of <see cref="TrainingProgress.TotalSteps"/> windows done, the loss so far.
    /// </summary>
    FinalLoss,
}
