namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// The best-scoring allowed slots, best first, ties broken by creation order; a bounded heap over one pass, never a
/// full sort. Optionally collapses exact duplicates as it goes (only the best-ranked slot of each content is kept), so a
/// cube holding many copies of the same text never needs a second, deeper pass.
/// </summary>
internal static class TopSlots
{
    /// <summary>Up to <paramref name="count"/> allowed slots with a positive fused score, best first.</summary>
    public static List<int> Best(ScoringContext context, int count) => Best(context, count, collapseDuplicates: false);

    /// <summary>
    /// Up to <paramref name="count"/> allowed slots with a positive fused score, best first; with
    /// <paramref name="collapseDuplicates"/>, at most one per content (the one that ranks first).
    /// </summary>
    public static List<int> Best(ScoringContext context, int count, bool collapseDuplicates)
    {
        var fused = context.Fused;
        var cube = context.Cube;

        // Min-heap on (score, reversed creation order): the root is the worst kept.
        var heap = new PriorityQueue<int, (float Score, MemoryCore.Identity.MemoryId Id)>(count + 1, WorstFirst.Instance);
        var keptByContent = collapseDuplicates ? new Dictionary<ulong, (int Slot, float Score, MemoryCore.Identity.MemoryId Id)>(count + 1) : null;
        float worstScore = float.NegativeInfinity;
        for (int i = 0; i < context.Slots; i++)
        {
            float s = fused[i];
            if (s <= 0 || s < worstScore || !context.Allowed(i))
            {
                continue;
            }

            var id = cube.ItemAt(i)!.Id;
            if (keptByContent is not null)
            {
                ulong content = cube.ContentKey(i);
                if (keptByContent.TryGetValue(content, out var kept))
                {
                    if (WorstFirst.Instance.Compare((s, id), (kept.Score, kept.Id)) <= 0)
                    {
                        continue; // a copy that ranks no better than the one kept
                    }

                    heap.Remove(kept.Slot, out _, out _);
                }

                keptByContent[content] = (i, s, id);
            }

            heap.Enqueue(i, (s, id));
            if (heap.Count > count)
            {
                int dropped = heap.Dequeue();
                keptByContent?.Remove(cube.ContentKey(dropped));
            }

            if (heap.Count == count && heap.TryPeek(out _, out var worst))
            {
                worstScore = worst.Score;
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
