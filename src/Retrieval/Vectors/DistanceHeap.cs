namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// A binary heap of (distance, node) pairs over reusable arrays, so graph searches do not allocate.
/// A min-heap pops the closest first (the candidate queue); a max-heap keeps the farthest on top (the
/// bounded result set, whose top is the distance a new node must beat).
/// </summary>
internal sealed class DistanceHeap
{
    private readonly bool farthestOnTop;
    private float[] distances = new float[64];
    private int[] nodes = new int[64];

    public DistanceHeap(bool farthestOnTop) => this.farthestOnTop = farthestOnTop;

    public int Count { get; private set; }

    public float TopDistance => distances[0];

    public int TopNode => nodes[0];

    /// <summary>The entries in heap order (not sorted).</summary>
    public ReadOnlySpan<float> Distances => distances.AsSpan(0, Count);

    /// <summary>The nodes in heap order, matching <see cref="Distances"/>.</summary>
    public ReadOnlySpan<int> Nodes => nodes.AsSpan(0, Count);

    public void Clear() => Count = 0;

    public void Push(int node, float distance)
    {
        if (Count == distances.Length)
        {
            Array.Resize(ref distances, Count * 2);
            Array.Resize(ref nodes, Count * 2);
        }

        int i = Count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Before(distance, distances[parent]))
            {
                break;
            }

            distances[i] = distances[parent];
            nodes[i] = nodes[parent];
            i = parent;
        }

        distances[i] = distance;
        nodes[i] = node;
    }

    public void Pop()
    {
        int last = --Count;
        if (last == 0)
        {
            return;
        }

        float distance = distances[last];
        int node = nodes[last];
        int i = 0;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= last)
            {
                break;
            }

            if (child + 1 < last && Before(distances[child + 1], distances[child]))
            {
                child++;
            }

            if (!Before(distances[child], distance))
            {
                break;
            }

            distances[i] = distances[child];
            nodes[i] = nodes[child];
            i = child;
        }

        distances[i] = distance;
        nodes[i] = node;
    }

    private bool Before(float a, float b) => farthestOnTop ? a > b : a < b;
}
