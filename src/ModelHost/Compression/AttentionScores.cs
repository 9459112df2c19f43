namespace AgentMem.ModelHost.Compression;

/// <summary>
/// An <see cref="IAttentionObserver"/> that adds up, per cache slot, the attention weights every head of every layer gives it,
/// counting only queries in slots at or after <see cref="FirstVotingSlot"/> (0 for H2O, the observation window for SnapKV).
/// </summary>
public sealed class AttentionScores : IAttentionObserver
{
    private readonly double[] scores;

    /// <summary>Scores for up to <paramref name="slots"/> slots; queries before <paramref name="firstVotingSlot"/> are ignored.</summary>
    public AttentionScores(int slots, int firstVotingSlot = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstVotingSlot);
        scores = new double[slots];
        FirstVotingSlot = firstVotingSlot;
    }

    /// <summary>The first query slot whose attention counts.</summary>
    public int FirstVotingSlot { get; }

    /// <summary>Accumulated attention per slot.</summary>
    public ReadOnlySpan<double> Scores => scores;

    /// <inheritdoc />
    public void OnAttention(int layer, int head, int slot, ReadOnlySpan<float> weights)
    {
        if (slot < FirstVotingSlot)
        {
            return;
        }

        int n = Math.Min(weights.Length, scores.Length);
        for (int t = 0; t < n; t++)
        {
            scores[t] += weights[t];
        }
    }
}
