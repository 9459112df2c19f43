namespace AgentMem.Retrieval.Vectors;

/// <summary>The k nearest of the matches offered so far: a bounded max-heap (O(n log k)), read out nearest first.</summary>
internal sealed class NearestMatches
{
    private readonly int k;
    private readonly PriorityQueue<VectorMatch, float> heap;

    /// <summary>Keeps the <paramref name="k"/> nearest of at most <paramref name="candidates"/> offers.</summary>
    public NearestMatches(int k, int candidates)
    {
        this.k = k;

        // Sized by what can come, not by k: k + 1 overflowed for k = int.MaxValue (every match), and a large k allocated
        // a heap far past the index.
        heap = new PriorityQueue<VectorMatch, float>(Math.Min(k, candidates) + 1, Comparer<float>.Create((a, b) => b.CompareTo(a)));
    }

    /// <summary>Keeps the match if it is among the k nearest so far.</summary>
    public void Offer(long key, float distance)
    {
        if (heap.Count < k)
        {
            heap.Enqueue(new VectorMatch(key, distance), distance);
        }
        else if (heap.TryPeek(out _, out float worst) && distance < worst)
        {
            heap.EnqueueDequeue(new VectorMatch(key, distance), distance);
        }
    }

    /// <summary>The kept matches, nearest first (empties the collector).</summary>
    public VectorMatch[] ToArray()
    {
        var result = new VectorMatch[heap.Count];
        for (int i = result.Length - 1; i >= 0; i--)
        {
            result[i] = heap.Dequeue();
        }

        return result;
    }
}
