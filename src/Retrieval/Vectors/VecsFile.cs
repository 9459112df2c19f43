namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// Reader and writer of the TEXMEX formats used by ANN benchmarks (SIFT, GIST): every row is a
/// little-endian int32 dimension followed by that many values, float32 in <c>.fvecs</c>, int32 in
/// <c>.ivecs</c>. Every row must have the same dimension; anything else is a <see cref="VectorFormatException"/>.
/// </summary>
public static class VecsFile
{
    /// <summary>Largest dimension accepted, so a garbage header cannot ask for gigabytes.</summary>
    public const int MaxDimension = 1 << 16;

    /// <summary>Reads an .fvecs file; <paramref name="limit"/> keeps only the first rows. Non-finite values are refused.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is negative.</exception>
    public static VectorRows<float> ReadFvecs(string path, int? limit = null)
    {
        var rows = Read<float>(path, limit);
        var data = rows.Data;
        for (int i = 0; i < data.Length; i++)
        {
            if (!float.IsFinite(data[i]))
            {
                throw new VectorFormatException($"'{path}' row {i / rows.Dimension} has a non-finite value ({data[i]}).");
            }
        }

        return rows;
    }

    /// <summary>Reads an .ivecs file (ground-truth neighbour ids); <paramref name="limit"/> keeps only the first rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is negative.</exception>
    public static VectorRows<int> ReadIvecs(string path, int? limit = null) => Read<int>(path, limit);

    /// <summary>Writes rows as an .fvecs file.</summary>
    public static void WriteFvecs(string path, VectorRows<float> rows) => Write(path, rows);

    /// <summary>Writes rows as an .ivecs file.</summary>
    public static void WriteIvecs(string path, VectorRows<int> rows) => Write(path, rows);

    private static VectorRows<T> Read<T>(string path, int? limit)
        where T : unmanaged
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (limit is { } rowsWanted)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(rowsWanted, nameof(limit)); // else a negative row count overflowed the array size
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (stream.Length < 4)
        {
            throw new VectorFormatException($"'{path}' is empty or shorter than one row header.");
        }

        Span<byte> head = stackalloc byte[4];
        stream.ReadExactly(head);
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(head);
        if (dimension < 1 || dimension > MaxDimension)
        {
            throw new VectorFormatException($"'{path}' starts with dimension {dimension}; expected 1..{MaxDimension} (is it a .vecs file?).");
        }

        long rowBytes = 4 + ((long)dimension * 4);
        if (stream.Length % rowBytes != 0)
        {
            throw new VectorFormatException($"'{path}' is {stream.Length} bytes, not a whole number of {dimension}-dimensional rows ({rowBytes} bytes each): truncated or not a .vecs file.");
        }

        long available = stream.Length / rowBytes;
        if (available > int.MaxValue / dimension)
        {
            throw new VectorFormatException($"'{path}' has too many rows to load ({available}).");
        }

        int count = (int)Math.Min(available, limit ?? int.MaxValue);
        var data = new T[(long)count * dimension];
        for (int row = 0; row < count; row++)
        {
            if (row > 0)
            {
                stream.ReadExactly(head);
                int d = BinaryPrimitives.ReadInt32LittleEndian(head);
                if (d != dimension)
                {
                    throw new VectorFormatException($"'{path}' row {row} has dimension {d}; the first row has {dimension}.");
                }
            }

            stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan(row * dimension, dimension)));
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException(".vecs files are little-endian; big-endian machines are not supported.");
        }

        return new VectorRows<T>(dimension, count, data);
    }

    private static void Write<T>(string path, VectorRows<T> rows)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> head = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(head, rows.Dimension);
        for (int row = 0; row < rows.Count; row++)
        {
            stream.Write(head);
            stream.Write(MemoryMarshal.AsBytes(rows.Row(row)));
        }
    }
}
