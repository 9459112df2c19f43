namespace AgentMem.Retrieval.Vectors;

/// <summary>Fixed-length rows in one contiguous row-major array (what an .fvecs/.ivecs file holds).</summary>
/// <typeparam name="T">float for .fvecs, int for .ivecs.</typeparam>
public sealed class VectorRows<T>
    where T : unmanaged
{
    /// <summary>Wraps <paramref name="data"/>, which must hold exactly <paramref name="count"/> × <paramref name="dimension"/> values.</summary>
    public VectorRows(int dimension, int count, T[] data)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(data);
        if (data.LongLength != (long)dimension * count)
        {
            throw new ArgumentException($"Expected {(long)dimension * count} values, got {data.LongLength}.", nameof(data));
        }

        Dimension = dimension;
        Count = count;
        Data = data;
    }

    /// <summary>Values per row.</summary>
    public int Dimension { get; }

    /// <summary>Number of rows.</summary>
    public int Count { get; }

    /// <summary>All rows, one after another.</summary>
    public T[] Data { get; }

    /// <summary>Row <paramref name="index"/>.</summary>
    public ReadOnlySpan<T> Row(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Data.AsSpan(index * Dimension, Dimension);
    }
}
