using Microsoft.Win32.SafeHandles;

namespace AgentMem.Retrieval.Spann;

/// <summary>
/// The postings file: one 4 KiB header page (magic, format version, dimension, metric, entry size,
/// the index id that ties it to its meta file, CRC), then page-aligned posting extents. Read and
/// written with <see cref="RandomAccess"/> at explicit offsets, so concurrent readers share one handle
/// without a file position. Space is only appended between checkpoints (extents the last checkpoint
/// references are never overwritten); a compaction writes a new file.
/// </summary>
internal sealed class PostingFile : IDisposable
{
    private const ulong Magic = 0x54534F5050534D41; // "AMSPPOST"
    private const int Version = 1;

    private readonly SafeFileHandle handle;
    private long end;

    private PostingFile(SafeFileHandle handle, string path, long end)
    {
        this.handle = handle;
        Path = path;
        this.end = end;
    }

    public string Path { get; }

    /// <summary>Where the next extent is allocated (bytes; a multiple of the page size).</summary>
    public long End => Interlocked.Read(ref end);

    public static PostingFile Create(string path, int dimension, VectorMetric metric, Guid indexId)
    {
        var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var header = new byte[PostingLayout.PageSize];
            BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), Version);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), dimension);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), (int)metric);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(20), PostingLayout.EntrySize(dimension));
            indexId.TryWriteBytes(header.AsSpan(24, 16));
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), Crc32.HashToUInt32(header.AsSpan(0, 40)));
            RandomAccess.Write(handle, header, 0);
            return new PostingFile(handle, path, PostingLayout.PageSize);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing file and checks it belongs to the index and holds at least <paramref name="usedBytes"/>.</summary>
    /// <exception cref="VectorFormatException">Missing, truncated, foreign, another version or dimension.</exception>
    public static PostingFile Open(string path, int dimension, VectorMetric metric, Guid indexId, long usedBytes)
    {
        if (!File.Exists(path))
        {
            throw new VectorFormatException($"The SPANN postings file '{path}' is missing.");
        }

        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            long length = RandomAccess.GetLength(handle);
            var header = new byte[PostingLayout.PageSize];
            if (length < PostingLayout.PageSize || RandomAccess.Read(handle, header, 0) < header.Length)
            {
                throw new VectorFormatException($"The SPANN postings file '{path}' is truncated: {length} bytes, shorter than its header page.");
            }

            if (BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic)
            {
                throw new VectorFormatException($"'{path}' is not a SPANN postings file (bad magic).");
            }

            if (BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(40)) != Crc32.HashToUInt32(header.AsSpan(0, 40)))
            {
                throw new VectorFormatException($"The SPANN postings file '{path}' has a corrupt header (CRC mismatch).");
            }

            int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
            if (version != Version)
            {
                throw new VectorFormatException($"The SPANN postings file '{path}' has format version {version}; this build reads version {Version}.");
            }

            int fileDimension = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
            if (fileDimension != dimension || BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(20)) != PostingLayout.EntrySize(dimension))
            {
                throw new VectorFormatException($"The SPANN postings file '{path}' holds {fileDimension}-dimensional vectors; its meta file says {dimension}.");
            }

            if (BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(16)) != (int)metric)
            {
                throw new VectorFormatException($"The SPANN postings file '{path}' was written for another metric.");
            }

            if (new Guid(header.AsSpan(24, 16)) != indexId)
            {
                throw new VectorFormatException($"The SPANN postings file '{path}' belongs to another index (index id mismatch).");
            }

            if (length < usedBytes)
            {
                throw new VectorFormatException($"The SPANN postings file '{path}' is truncated: {length} bytes, the index references {usedBytes}.");
            }

            return new PostingFile(handle, path, usedBytes);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reserves a page-aligned extent of <paramref name="bytes"/> (a multiple of the page size) at the end.</summary>
    public long Allocate(long bytes) => Interlocked.Add(ref end, bytes) - bytes;

    public void Write(ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(handle, data, offset);

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>.</summary>
    public void Read(Span<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (n <= 0)
            {
                throw new VectorFormatException($"The SPANN postings file '{Path}' ended at {offset + done} while reading a posting.");
            }

            done += n;
        }
    }

    /// <summary>Asynchronous twin of <see cref="Read"/>, for several reads in flight.</summary>
    public async ValueTask ReadAsync(Memory<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = await RandomAccess.ReadAsync(handle, buffer[done..], offset + done).ConfigureAwait(false);
            if (n <= 0)
            {
                throw new VectorFormatException($"The SPANN postings file '{Path}' ended at {offset + done} while reading a posting.");
            }

            done += n;
        }
    }

    /// <summary>Forces written data to the device (a checkpoint's first step).</summary>
    public void Flush() => RandomAccess.FlushToDisk(handle);

    public void Dispose() => handle.Dispose();
}
