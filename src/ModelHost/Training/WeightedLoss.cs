using System.Numerics;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// Another loss times a constant <paramref name="weight"/>, value and gradient alike: one sequence's share of a loss over
/// several, where the gradients of each are added into the same buffers.
/// </summary>
internal sealed class WeightedLoss(TrainingLoss loss, float weight) : TrainingLoss
{
    internal override T Evaluate<T>(ReadOnlySpan<T> logits, int positions, int vocab, Span<T> dLogits)
    {
        T w = T.CreateTruncating(weight);
        T value = loss.Evaluate(logits, positions, vocab, dLogits);
        TensorPrimitives.Multiply(dLogits, w, dLogits);
        return value * w;
    }
}
