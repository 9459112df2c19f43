namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// A binary heap of (distance, node) pairs over reusable arrays, so graph searches do not allocate.
/// A min-heap pops the closest first (the candidate queue); a max-heap keeps the farthest on top (the
/// bounded result set, whose top is the distance a new node must beat). Both are min-heaps on a key:
/// the max-heap stores negated distances, so the comparisons carry no branch on the heap's kind.
/// </summary>
internal sealed class DistanceHeap
{
    private readonly float sign;
    private float[] distances = new float[64];
    private int[] nodes = new int[64];

    public DistanceHeap(bool farthestOnTop) => sign = farthestOnTop ? -1f : 1f;

    public int Count { get; private set; }

    public float TopDistance => sign * distances[0];

    public int TopNode => nodes[0];

    public void Clear() => Count = 0;

    public void Push(int node, float distance)
    {
        distance *= sign;
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

    private static bool Before(float a, float b) => a < b;
}
