namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>The best-scoring allowed slots, best first, ties broken by creation order; a bounded heap, never a full sort.</summary>
internal static class TopSlots
{
    /// <summary>Up to <paramref name="count"/> allowed slots with a positive fused score, best first.</summary>
    public static List<int> Best(ScoringContext context, int count)
    {
        var fused = context.Fused;
        var cube = context.Cube;

        // Min-heap on (score, reversed creation order): the root is the worst kept.
        var heap = new PriorityQueue<int, (float Score, MemoryCore.Identity.MemoryId Id)>(count + 1, WorstFirst.Instance);
        for (int i = 0; i < context.Slots; i++)
        {
            float s = fused[i];
            if (s <= 0 || (heap.Count == count && heap.TryPeek(out _, out var worst) && s < worst.Score) || !context.Allowed(i))
            {
                continue;
            }

            heap.Enqueue(i, (s, cube.ItemAt(i)!.Id));
            if (heap.Count > count)
            {
                heap.Dequeue();
            }
        }

        var best = new List<int>(heap.Count);
        while (heap.Count > 0)
        {
            best.Add(heap.Dequeue());
        }

        best.Reverse();
        return best;
    }

    /// <summary>Lower score first; at equal score the later-created memory first (it loses the tie).</summary>
    private sealed class WorstFirst : IComparer<(float Score, MemoryCore.Identity.MemoryId Id)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Score, MemoryCore.Identity.MemoryId Id) x, (float Score, MemoryCore.Identity.MemoryId Id) y)
        {
            int c = x.Score.CompareTo(y.Score);
            return c != 0 ? c : y.Id.CompareTo(x.Id);
        }
    }
}
