namespace AgentMem.Retrieval.Spann;

/// <summary>
/// The write-ahead log <c>wal.log</c>: a header (magic, index id) and one record per acknowledged
/// update — length, CRC, sequence number, operation, key and, for inserts, the vector. An update is
/// logged and flushed before it touches the postings, so reopening replays every acknowledged update
/// after the last checkpoint. Replay stops at the first record that is short or fails its CRC: the
/// tail a crash tore off mid-write, which was never acknowledged; the file is cut there.
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
    /// <exception cref="VectorFormatException">The log belongs to another index or has a bad header.</exception>
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
                int read = stream.ReadAtLeast(buffer.AsSpan(0, 8), 8, throwOnEndOfStream: false);
                if (read < 8)
                {
                    break;
                }

                int length = BinaryPrimitives.ReadInt32LittleEndian(buffer);
                if (length < 17 || length > size - 8 || stream.ReadAtLeast(buffer.AsSpan(8, length), length, throwOnEndOfStream: false) < length)
                {
                    break;
                }

                var body = buffer.AsSpan(8, length);
                if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(4)) != Crc32.HashToUInt32(body))
                {
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
                    break;
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
