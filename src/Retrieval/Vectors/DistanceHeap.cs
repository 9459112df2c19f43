using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// A binary heap of (distance, node) pairs over reusable arrays, so graph searches do not allocate.
/// A min-heap pops the closest first (the candidate queue); a max-heap keeps the farthest on top (the
/// bounded result set, whose top is the distance a new node must beat). Both are min-heaps on a key:
/// the max-heap stores negated distances, so the comparisons carry no branch on the heap's kind.
/// Indexing is unchecked (references into the arrays): every index is kept below <see cref="Count"/>,
/// and Count never exceeds the arrays' length.
/// </summary>
internal sealed class DistanceHeap
{
    private readonly float sign;
    private float[] distances = new float[64];
    private int[] nodes = new int[64];

    public DistanceHeap(bool farthestOnTop) => sign = farthestOnTop ? -1f : 1f;

    public int Count { get; private set; }

    public float TopDistance => sign * MemoryMarshal.GetArrayDataReference(distances);

    public int TopNode => MemoryMarshal.GetArrayDataReference(nodes);

    public void Clear() => Count = 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Push(int node, float distance)
    {
        distance *= sign;
        if (Count == distances.Length)
        {
            Array.Resize(ref distances, Count * 2);
            Array.Resize(ref nodes, Count * 2);
        }

        ref float d = ref MemoryMarshal.GetArrayDataReference(distances);
        ref int n = ref MemoryMarshal.GetArrayDataReference(nodes);
        int i = Count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            float parentDistance = Unsafe.Add(ref d, parent);
            if (!Before(distance, parentDistance))
            {
                break;
            }

            Unsafe.Add(ref d, i) = parentDistance;
            Unsafe.Add(ref n, i) = Unsafe.Add(ref n, parent);
            i = parent;
        }

        Unsafe.Add(ref d, i) = distance;
        Unsafe.Add(ref n, i) = node;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pop()
    {
        int last = --Count;
        if (last == 0)
        {
            return;
        }

        ref float d = ref MemoryMarshal.GetArrayDataReference(distances);
        ref int n = ref MemoryMarshal.GetArrayDataReference(nodes);
        float distance = Unsafe.Add(ref d, last);
        int node = Unsafe.Add(ref n, last);
        int i = 0;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= last)
            {
                break;
            }

            float childDistance = Unsafe.Add(ref d, child);
            if (child + 1 < last && Before(Unsafe.Add(ref d, child + 1), childDistance))
            {
                child++;
                childDistance = Unsafe.Add(ref d, child);
            }

            if (!Before(childDistance, distance))
            {
                break;
            }

            Unsafe.Add(ref d, i) = childDistance;
            Unsafe.Add(ref n, i) = Unsafe.Add(ref n, child);
            i = child;
        }

        Unsafe.Add(ref d, i) = distance;
        Unsafe.Add(ref n, i) = node;
    }

    private static bool Before(float a, float b) => a < b;
}
