using System.Numerics;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// A loss on the logits of every position of a sequence: its value, and its gradient with respect to the logits, which
/// starts the backward pass. <see cref="CrossEntropyLoss"/> (next tokens) and <see cref="KlDivergenceLoss"/> (a teacher's distributions).
/// </summary>
public abstract class TrainingLoss
{
    private protected TrainingLoss()
    {
    }

    /// <summary>
    /// The loss of <paramref name="logits"/> [n × vocab], writing its gradient with respect to them into
    /// <paramref name="dLogits"/> (same shape; overwritten).
    /// </summary>
    internal abstract T Evaluate<T>(ReadOnlySpan<T> logits, int positions, int vocab, Span<T> dLogits)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
