namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// A k-nearest-neighbour index over fixed-dimension float vectors keyed by <see cref="long"/>.
/// Implementations allow many concurrent readers with one writer, and reject vectors of the wrong
/// dimension, with NaN/infinity or with a squared length past <see cref="VectorDistance.MaxSquaredLength"/> with
/// <see cref="VectorFormatException"/> (<see cref="VectorDistance.Validate"/>).
/// </summary>
public interface IVectorIndex : IDisposable
{
    /// <summary>Vector length.</summary>
    int Dimension { get; }

    /// <summary>How distances are computed.</summary>
    VectorMetric Metric { get; }

    /// <summary>Live vectors in the index.</summary>
    int Count { get; }

    /// <summary>Adds a vector, or replaces the one stored under <paramref name="key"/>.</summary>
    void Add(long key, ReadOnlySpan<float> vector);

    /// <summary>Removes a vector; false if the key was not present.</summary>
    bool Remove(long key);

    /// <summary>
    /// The <paramref name="k"/> nearest vectors, closest first. With a filter, only keys it accepts are
    /// returned, and the search keeps going until it has k of them or has seen every candidate.
    /// </summary>
    IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, Func<long, bool>? filter = null);

    /// <summary>
    /// The <paramref name="k"/> nearest with per-search settings (<see cref="VectorSearchOptions"/>), so a caller can tune
    /// any index without knowing its type; an index with nothing to tune answers as <see cref="Search(ReadOnlySpan{float}, int, Func{long, bool}?)"/>.
    /// </summary>
    IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, VectorSearchOptions options, Func<long, bool>? filter = null) => Search(query, k, filter);
}
