namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// The best positive scores seen, up to a depth: their maximum and the lowest of them (the depth-th best once that many
/// were offered). A min-heap of the depth, so a scan of n scores costs O(n) compares and O(depth·log depth) moves.
/// </summary>
internal sealed class TopSimilarities
{
    private readonly PriorityQueue<float, float>? kept;
    private readonly int depth;

    /// <summary>Keeps the <paramref name="depth"/> best (0: keeps none).</summary>
    public TopSimilarities(int depth)
    {
        this.depth = depth;
        kept = depth > 0 ? new PriorityQueue<float, float>(depth) : null;
    }

    /// <summary>The best score offered (0 when none was positive).</summary>
    public float Best { get; private set; }

    /// <summary>The lowest of the kept scores: the depth-th best, or the worst positive score when fewer were offered.</summary>
    public float Lowest => kept is { Count: > 0 } ? kept.Peek() : 0;

    /// <summary>Considers one score; zero and negative scores (no match) are ignored.</summary>
    public void Offer(float score)
    {
        if (kept is null || !(score > 0))
        {
            return;
        }

        Best = Math.Max(Best, score);
        if (kept.Count < depth)
        {
            kept.Enqueue(score, score);
        }
        else if (score > kept.Peek())
        {
            kept.EnqueueDequeue(score, score);
        }
    }
}
