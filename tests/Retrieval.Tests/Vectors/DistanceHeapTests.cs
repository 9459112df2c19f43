using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Vectors;

public sealed class DistanceHeapTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Random_pushes_pops_and_replacements_match_a_sorted_reference(bool farthestOnTop)
    {
        // The reference is a plain sorted list; the heap must show the same top after every operation
        // (distances are distinct, so the top node is determined), across growth past the first 64 entries.
        var random = new Random(farthestOnTop ? 7 : 8);
        var heap = new DistanceHeap(farthestOnTop);
        var reference = new List<(float Distance, int Node)>();
        int next = 0;
        for (int step = 0; step < 20_000; step++)
        {
            int op = random.Next(10);
            float distance = (float)random.NextDouble() + (next * 1e-9f);
            if (op < 5 || reference.Count == 0)
            {
                heap.Push(next, distance);
                reference.Add((distance, next++));
            }
            else if (op < 8)
            {
                heap.Pop();
                reference.Remove(Top(reference, farthestOnTop));
            }
            else
            {
                heap.ReplaceTop(next, distance);
                reference.Remove(Top(reference, farthestOnTop));
                reference.Add((distance, next++));
            }

            Assert.Equal(reference.Count, heap.Count);
            if (reference.Count > 0)
            {
                var top = Top(reference, farthestOnTop);
                Assert.Equal(top.Node, heap.TopNode);
                Assert.Equal(top.Distance, heap.TopDistance);
            }
        }

        // Draining gives every distance in order.
        var drained = new List<float>();
        while (heap.Count > 0)
        {
            drained.Add(heap.TopDistance);
            heap.Pop();
        }

        var expected = reference.Select(r => r.Distance).Order().ToList();
        if (farthestOnTop)
        {
            expected.Reverse();
        }

        Assert.Equal(expected, drained);
    }

    private static (float Distance, int Node) Top(List<(float Distance, int Node)> items, bool farthestOnTop) =>
        farthestOnTop ? items.MaxBy(i => i.Distance) : items.MinBy(i => i.Distance);
}
