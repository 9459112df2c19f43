namespace AgentMem.Retrieval.Spann;

/// <summary>
/// The write-ahead log <c>wal.log</c>: a header (magic, index id) and one record per acknowledged
/// update — length, CRC, sequence number, operation, key and, for inserts, the vector. An update is
/// logged and flushed before it touches the postings, so reopening replays every acknowledged update
/// after the last checkpoint. Records are appended and flushed one at a time, so a crash can only tear
/// the last: a record that is short or fails its CRC with nothing after it (or only zeros) is that
/// tail, never acknowledged, and the file is cut there. One with more records after it is damage, and
/// the open fails with the file left as it is.
/// </summary>
internal sealed class SpannWal : IDisposable
{
    public const string FileName = "wal.log";
    private const ulong Magic = 0x314C4157505350; // "PSPWAL1"
    private const int HeaderBytes = 8 + 16 + 4;

    private readonly FileStream stream;
    private readonly bool fsync;
    private readonly byte[] record;

    private SpannWal(FileStream stream, int dimension, bool fsync)
    {
        this.stream = stream;
        this.fsync = fsync;
        record = new byte[RecordBytes(dimension)];
    }

    public enum Operation : byte
    {
        Insert = 1,
        Delete = 2,
    }

    /// <summary>A replayed record.</summary>
    public readonly record struct Entry(long Sequence, Operation Operation, long Key, float[]? Vector);

    /// <summary>Starts an empty log for <paramref name="indexId"/> (replacing any old one).</summary>
    public static SpannWal Create(string directory, Guid indexId, int dimension, bool fsync)
    {
        var stream = new FileStream(Path.Combine(directory, FileName), FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        WriteHeader(stream, indexId);
        stream.Flush(flushToDisk: true);
        return new SpannWal(stream, dimension, fsync);
    }

    /// <summary>Opens the log, returning the records after <paramref name="afterSequence"/>; cuts a torn tail.</summary>
    /// <exception cref="VectorFormatException">The log belongs to another index, has a bad header, or is damaged before its
    /// last record (it is then left as it is).</exception>
    public static SpannWal Open(string directory, Guid indexId, int dimension, bool fsync, long afterSequence, List<Entry> replay)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            // A crash between writing a checkpoint and starting the new log: the checkpoint has everything.
            return Create(directory, indexId, dimension, fsync);
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var header = new byte[HeaderBytes];
            if (stream.Length < HeaderBytes)
            {
                stream.SetLength(0);
                WriteHeader(stream, indexId);
            }
            else
            {
                stream.ReadExactly(header);
                if (BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic || BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(24)) != Crc32.HashToUInt32(header.AsSpan(0, 24)))
                {
                    throw new VectorFormatException($"'{path}' is not a SPANN write-ahead log (bad magic or header CRC).");
                }

                if (new Guid(header.AsSpan(8, 16)) != indexId)
                {
                    throw new VectorFormatException($"The write-ahead log '{path}' belongs to another index (index id mismatch).");
                }
            }

            int size = RecordBytes(dimension);
            var buffer = new byte[size];
            long good = stream.Position;
            while (true)
            {
                long start = stream.Position;
                int read = stream.ReadAtLeast(buffer.AsSpan(0, 8), 8, throwOnEndOfStream: false);
                if (read < 8)
                {
                    break;
                }

                int length = BinaryPrimitives.ReadInt32LittleEndian(buffer);
                if (length < 17 || length > size - 8)
                {
                    // The length itself is bad: the record could have spanned up to the largest one.
                    CheckTornTail(stream, path, start, size);
                    break;
                }

                var body = buffer.AsSpan(8, length);
                if (stream.ReadAtLeast(body, length, throwOnEndOfStream: false) < length || BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(4)) != Crc32.HashToUInt32(body))
                {
                    CheckTornTail(stream, path, start, 8 + length);
                    break;
                }

                long sequence = BinaryPrimitives.ReadInt64LittleEndian(body);
                var op = (Operation)body[8];
                long key = BinaryPrimitives.ReadInt64LittleEndian(body[9..]);
                float[]? vector = null;
                if (op == Operation.Insert)
                {
                    if (length != 17 + (dimension * sizeof(float)))
                    {
                        throw new VectorFormatException($"The write-ahead log '{path}' holds a vector of another dimension.");
                    }

                    vector = MemoryMarshal.Cast<byte, float>(body[17..]).ToArray();
                }
                else if (op != Operation.Delete)
                {
                    // It passed its CRC, so it is no torn write: dropping it, and what follows, lost acknowledged updates.
                    throw new VectorFormatException($"The write-ahead log '{path}' has a record of unknown operation {(byte)op} at offset {start}; the file is left as it is.");
                }

                if (sequence > afterSequence)
                {
                    replay.Add(new Entry(sequence, op, key, vector));
                }

                good = stream.Position;
            }

            stream.SetLength(good);
            stream.Position = good;
            return new SpannWal(stream, dimension, fsync);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Accepts the bad record at <paramref name="start"/>, at most <paramref name="extent"/> bytes long, as the tail a crash
    /// tore off when nothing follows it but zeros (a file system may extend a file before its data lands). Anything else
    /// after it means sound records follow a damaged one (a flipped bit, a bad sector): cutting there would drop them.
    /// </summary>
    /// <exception cref="VectorFormatException">Data follows the bad record.</exception>
    private static void CheckTornTail(FileStream stream, string path, long start, int extent)
    {
        long length = stream.Length;
        stream.Position = Math.Min(length, start + extent);
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (chunk.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                throw new VectorFormatException($"The write-ahead log '{path}' is damaged at offset {start}: the record there is unreadable (bad length or CRC) and {length - start} bytes follow from there, more than a torn last write leaves. The file is left as it is; rebuild the index to go on.");
            }
        }
    }

    public void Append(long sequence, Operation op, long key, ReadOnlySpan<float> vector)
    {
        int length = 17 + (op == Operation.Insert ? vector.Length * sizeof(float) : 0);
        var s = record.AsSpan(0, 8 + length);
        BinaryPrimitives.WriteInt32LittleEndian(s, length);
        var body = s[8..];
        BinaryPrimitives.WriteInt64LittleEndian(body, sequence);
        body[8] = (byte)op;
        BinaryPrimitives.WriteInt64LittleEndian(body[9..], key);
        if (op == Operation.Insert)
        {
            MemoryMarshal.AsBytes(vector).CopyTo(body[17..]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], Crc32.HashToUInt32(body));
        stream.Write(s);

        // To the OS at least: a killed process then loses nothing it acknowledged.
        stream.Flush(flushToDisk: fsync);
    }

    /// <summary>Bytes in the log (header included).</summary>
    public long Length => stream.Length;

    /// <summary>Empties the log after a checkpoint has made its records redundant.</summary>
    public void Reset(Guid indexId)
    {
        stream.SetLength(0);
        stream.Position = 0;
        WriteHeader(stream, indexId);
        stream.Flush(flushToDisk: true);
    }

    public void Dispose() => stream.Dispose();

    private static int RecordBytes(int dimension) => 8 + 17 + (dimension * sizeof(float));

    private static void WriteHeader(FileStream stream, Guid indexId)
    {
        var header = new byte[HeaderBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        indexId.TryWriteBytes(header.AsSpan(8, 16));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), Crc32.HashToUInt32(header.AsSpan(0, 24)));
        stream.Write(header);
    }
}
