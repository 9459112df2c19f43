namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// Brute-force k-NN: vectors in one contiguous array, every query scans all of them with SIMD
/// distances. Exact, so it is the reference the approximate indexes are tested against, and the right
/// choice for small collections (a conversation's memories). Thread-safe: many readers, one writer.
/// </summary>
public sealed class ExactVectorIndex : IVectorIndex
{
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, int> slots = [];
    private float[] data;
    private long[] keys;
    private int count;
    private bool disposed;

    /// <summary>Creates an empty index.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimension or capacity is below 1, or the metric is not defined.</exception>
    public ExactVectorIndex(int dimension, VectorMetric metric, int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        if (!Enum.IsDefined(metric))
        {
            // As HnswIndex and SpannIndex do: taken, it failed every search later, deep in the distance code.
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric.");
        }

        Dimension = dimension;
        Metric = metric;
        data = new float[checked(dimension * initialCapacity)];
        keys = new long[initialCapacity];
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public VectorMetric Metric { get; }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            using (gate.Read())
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                return count;
            }
        }
    }

    /// <inheritdoc/>
    public void Add(long key, ReadOnlySpan<float> vector)
    {
        VectorDistance.Validate(vector, Dimension);
        using (gate.Write())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!slots.TryGetValue(key, out int slot))
            {
                if (count == keys.Length)
                {
                    int capacity = ArrayGrowth.Next(keys.Length, count + 1L, Dimension);
                    Array.Resize(ref keys, capacity);
                    Array.Resize(ref data, capacity * Dimension);
                }

                slot = count++;
                slots[key] = slot;
                keys[slot] = key;
            }

            vector.CopyTo(data.AsSpan(slot * Dimension, Dimension));
        }
    }

    /// <inheritdoc/>
    public bool Remove(long key)
    {
        using (gate.Write())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!slots.Remove(key, out int slot))
            {
                return false;
            }

            // Keep the array dense: move the last vector into the hole.
            int last = --count;
            if (slot != last)
            {
                data.AsSpan(last * Dimension, Dimension).CopyTo(data.AsSpan(slot * Dimension, Dimension));
                keys[slot] = keys[last];
                slots[keys[slot]] = slot;
            }

            return true;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, Func<long, bool>? filter = null)
    {
        VectorDistance.Validate(query, Dimension, "query");
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        using (gate.Read())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var nearest = new NearestMatches(k, count);
            for (int i = 0; i < count; i++)
            {
                if (filter is null || filter(keys[i]))
                {
                    nearest.Offer(keys[i], VectorDistance.Compute(Metric, query, data.AsSpan(i * Dimension, Dimension)));
                }
            }

            return nearest.ToArray();
        }
    }

    /// <summary>
    /// Closes the index once the calls under way have finished; a call still waiting then, or made later, throws
    /// <see cref="ObjectDisposedException"/>. A second call does nothing.
    /// </summary>
    public void Dispose()
    {
        // The reader-writer lock is not disposed: its Dispose throws SynchronizationLockException while any thread waits on
        // it, and the flag already refuses every call that gets it (see HnswIndex.Dispose).
        using (gate.Write())
        {
            disposed = true;
        }
    }
}
