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

    [Theory]
    [InlineData(false, 10)]
    [InlineData(true, 10)]
    [InlineData(true, 1)]
    [InlineData(true, 500)]
    public void DrainClosest_gives_the_k_closest_in_order_and_empties_the_heap(bool farthestOnTop, int k)
    {
        var random = new Random(k);
        var heap = new DistanceHeap(farthestOnTop);
        var reference = new List<(float Distance, int Node)>();
        for (int node = 0; node < 300; node++)
        {
            float distance = (float)random.NextDouble();
            heap.Push(node, distance);
            reference.Add((distance, node));
        }

        var distances = new float[k];
        var nodes = new int[k];
        int taken = heap.DrainClosest(k, distances, nodes);
        var expected = reference.OrderBy(r => r.Distance).Take(k).ToList();
        Assert.Equal(expected.Count, taken);
        Assert.Equal(expected.Select(e => e.Distance), distances.Take(taken));
        Assert.Equal(expected.Select(e => e.Node), nodes.Take(taken));
        Assert.Equal(0, heap.Count);
    }

    private static (float Distance, int Node) Top(List<(float Distance, int Node)> items, bool farthestOnTop) =>
        farthestOnTop ? items.MaxBy(i => i.Distance) : items.MinBy(i => i.Distance);
}
