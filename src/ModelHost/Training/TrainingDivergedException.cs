namespace AgentMem.ModelHost.Training;

/// <summary>
/// Training diverged: a step's loss or gradients came back NaN or infinite, or the trained values left the range their result
/// may hold (<see cref="LoraAdapter.MaxMagnitude"/>). Almost always a learning rate (or LoRA alpha) too large for the data:
/// it is the caller's input, so train again with a lower one. An <see cref="ArithmeticException"/>, as the loop threw before.
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception for <paramref name="step"/> (1-based) with a message naming the step and what went wrong.</summary>
    public TrainingDivergedException(int step, string message, Exception? innerException = null)
        : base(message, innerException) => Step = step;

    /// <summary>Creates the exception with a message naming the problem.</summary>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public TrainingDivergedException()
        : base("training diverged: a loss or gradient is NaN or infinite.")
    {
    }

    /// <summary>The step (1-based) at which the training diverged; 0 when not known.</summary>
    public int Step { get; }
}
