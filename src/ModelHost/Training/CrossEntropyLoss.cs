using System.Numerics;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// Cross-entropy of chosen next tokens: the mean over the positions that have a target of −log softmax(logits)[target].
/// </summary>
public sealed class CrossEntropyLoss : TrainingLoss
{
    private readonly int[] targets;

    /// <summary>
    /// One target per sequence position: the token that should follow it, or −1 where the position does not count
    /// (e.g. the last one, or a prompt the loss should not train on).
    /// </summary>
    /// <exception cref="ArgumentException">No position has a target.</exception>
    public CrossEntropyLoss(IReadOnlyList<int> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        this.targets = [.. targets];
        Count = this.targets.Count(t => t >= 0);
        if (Count == 0)
        {
            throw new ArgumentException("at least one position needs a target.", nameof(targets));
        }
    }

    /// <summary>Number of positions the mean runs over.</summary>
    public int Count { get; }

    /// <summary>
    /// Teacher forcing on <paramref name="tokens"/>: position t's target is token t+1, for t from
    /// <paramref name="firstPosition"/> to the one before last (the last has no next token).
    /// </summary>
    public static CrossEntropyLoss ForNextTokens(ReadOnlySpan<int> tokens, int firstPosition = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstPosition);
        var targets = new int[tokens.Length];
        for (int t = 0; t < tokens.Length; t++)
        {
            targets[t] = t >= firstPosition && t + 1 < tokens.Length ? tokens[t + 1] : -1;
        }

        return new CrossEntropyLoss(targets);
    }

    internal override T Evaluate<T>(ReadOnlySpan<T> logits, int positions, int vocab, Span<T> dLogits)
    {
        if (positions != targets.Length)
        {
            throw new ArgumentException($"the loss has {targets.Length} targets; the sequence has {positions} positions.", nameof(positions));
        }

        dLogits.Clear();
        T inverseCount = T.One / T.CreateTruncating(Count);
        T loss = T.Zero;
        for (int t = 0; t < positions; t++)
        {
            int target = targets[t];
            if (target < 0)
            {
                continue;
            }

            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(target, vocab, nameof(targets));
            var row = logits.Slice(t * vocab, vocab);
            loss += TapeKernels.LogSumExp(row) - row[target];

            // d/dlogits = (softmax − onehot(target)) / count.
            var d = dLogits.Slice(t * vocab, vocab);
            row.CopyTo(d);
            TapeKernels.Softmax(d);
            d[target] -= T.One;
            TensorPrimitives.Multiply(d, inverseCount, d);
        }

        return loss * inverseCount;
    }
}
