namespace AgentMem.Retrieval.Spann;

/// <summary>
/// One posting entry on disk: key (int64), version label (int32), 4 reserved bytes, then the vector as
/// little-endian float32. Postings are runs of entries starting on 4 KiB page boundaries, so one
/// posting costs whole pages of I/O and never straddles a page it does not own.
/// </summary>
internal static class PostingLayout
{
    /// <summary>Disk page size: posting extents start on multiples of it.</summary>
    public const int PageSize = 4096;

    /// <summary>Bytes before the vector in an entry.</summary>
    public const int EntryHeader = 16;

    public static int EntrySize(int dimension) => EntryHeader + (dimension * sizeof(float));

    /// <summary>Bytes of an extent that holds <paramref name="entries"/> entries, rounded up to whole pages (at least one).</summary>
    public static long ExtentBytes(int entries, int entrySize) =>
        Math.Max(1, ((long)entries * entrySize + PageSize - 1) / PageSize) * PageSize;

    public static void Write(Span<byte> entry, long key, int version, ReadOnlySpan<float> vector)
    {
        BinaryPrimitives.WriteInt64LittleEndian(entry, key);
        BinaryPrimitives.WriteInt32LittleEndian(entry[8..], version);
        BinaryPrimitives.WriteInt32LittleEndian(entry[12..], 0);
        MemoryMarshal.AsBytes(vector).CopyTo(entry[EntryHeader..]);
    }

    public static long Key(ReadOnlySpan<byte> entry) => BinaryPrimitives.ReadInt64LittleEndian(entry);

    public static int Version(ReadOnlySpan<byte> entry) => BinaryPrimitives.ReadInt32LittleEndian(entry[8..]);

    /// <summary>The entry's vector, read in place (little-endian hosts; the format is little-endian).</summary>
    public static ReadOnlySpan<float> Vector(ReadOnlySpan<byte> entry, int dimension) =>
        MemoryMarshal.Cast<byte, float>(entry.Slice(EntryHeader, dimension * sizeof(float)));
}
