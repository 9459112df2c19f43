using AgentMem.Common.IO;

namespace AgentMem.Retrieval.Spann;

/// <summary>
/// The checkpoint file <c>spann.meta</c>: format version, dimension, metric, index id, which head and
/// postings files are current, the last write-ahead-log sequence number it includes, the posting table
/// and the version label of every key. Written through <see cref="CrashSafeFile"/>, so a crash leaves
/// either the old or the new checkpoint. The CRC-32 trailer of <see cref="ChecksummedStream"/> catches
/// corruption and truncation.
/// </summary>
internal sealed class SpannMeta
{
    public const string FileName = "spann.meta";
    private const ulong Magic = 0x4154454D50534D41; // "AMSPMETA"
    private const int FormatVersion = 2;
    private const int FixedBytesV1 = 8 + 4 + 4 + 4 + 16 + 8 + 8 + 8 + 8 + 4 + 4;
    private const int FixedBytes = FixedBytesV1 + 4;
    private const int PostingBytes = 8 + 4 + 4 + 4 + 1;
    private const int KeyBytes = 8 + 4;

    public required int Dimension { get; init; }

    public required VectorMetric Metric { get; init; }

    public required Guid IndexId { get; init; }

    /// <summary>Number in the head file's name (heads.{n}.hnsw); grows with every checkpoint.</summary>
    public required long HeadGeneration { get; init; }

    /// <summary>Number in the postings file's name (postings.{n}.spp); grows with every compaction.</summary>
    public required long PostingsGeneration { get; init; }

    /// <summary>Log records up to and including this sequence number are in the checkpoint.</summary>
    public required long WalSequence { get; init; }

    /// <summary>Bytes of the postings file the checkpoint references.</summary>
    public required long PostingsEnd { get; init; }

    public required PostingTable Postings { get; init; }

    /// <summary>Key → version label; negative: deleted at version −v (kept so a re-added key gets a fresh label).</summary>
    public required Dictionary<long, int> Versions { get; init; }

    /// <summary>The checkpoint has a codes file (codes.{HeadGeneration}.pq) of in-memory PQ codes; version 1 files never do.</summary>
    public bool HasCodes { get; init; }

    public static string HeadFile(string directory, long generation) => Path.Combine(directory, $"heads.{generation}.hnsw");

    public static string PostingsFile(string directory, long generation) => Path.Combine(directory, $"postings.{generation}.spp");

    public void Write(string directory)
    {
        long size = FixedBytes + ((long)Postings.Length * PostingBytes) + ((long)Versions.Count * KeyBytes); // the trailer follows
        var buffer = new byte[size];
        var s = buffer.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(s, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(s[8..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(s[12..], Dimension);
        BinaryPrimitives.WriteInt32LittleEndian(s[16..], (int)Metric);
        IndexId.TryWriteBytes(s.Slice(20, 16));
        BinaryPrimitives.WriteInt64LittleEndian(s[36..], HeadGeneration);
        BinaryPrimitives.WriteInt64LittleEndian(s[44..], PostingsGeneration);
        BinaryPrimitives.WriteInt64LittleEndian(s[52..], WalSequence);
        BinaryPrimitives.WriteInt64LittleEndian(s[60..], PostingsEnd);
        BinaryPrimitives.WriteInt32LittleEndian(s[68..], Postings.Length);
        BinaryPrimitives.WriteInt32LittleEndian(s[72..], Versions.Count);
        BinaryPrimitives.WriteInt32LittleEndian(s[76..], HasCodes ? 1 : 0);
        int at = FixedBytes;
        for (int p = 0; p < Postings.Length; p++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(s[at..], Postings.Offset(p));
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 8)..], Postings.CapacityBytes(p));
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 12)..], Postings.Count(p));
            BinaryPrimitives.WriteUInt32LittleEndian(s[(at + 16)..], Postings.Checksum(p));
            s[at + 20] = Postings.IsAlive(p) ? (byte)1 : (byte)0;
            at += PostingBytes;
        }

        foreach (var (key, version) in Versions)
        {
            BinaryPrimitives.WriteInt64LittleEndian(s[at..], key);
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 8)..], version);
            at += KeyBytes;
        }

        CrashSafeFile.Write(Path.Combine(directory, FileName), stream =>
        {
            var file = new ChecksummedStream(stream);
            file.Write(buffer);
            file.WriteChecksum();
        });
    }

    /// <exception cref="VectorFormatException">Missing, truncated, corrupt, foreign or of another version or dimension.</exception>
    public static SpannMeta Read(string directory, int? expectedDimension)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new VectorFormatException($"'{directory}' holds no SPANN index ({FileName} is missing).");
        }

        byte[] buffer = File.ReadAllBytes(path);
        var s = buffer.AsSpan();
        if (s.Length < 8 || BinaryPrimitives.ReadUInt64LittleEndian(s) != Magic)
        {
            throw new VectorFormatException($"'{path}' is not a SPANN meta file (bad magic).");
        }

        if (s.Length < FixedBytesV1 + 4)
        {
            throw new VectorFormatException($"The SPANN meta file '{path}' is truncated ({s.Length} bytes).");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(s[8..]);
        if (version is not (1 or FormatVersion))
        {
            throw new VectorFormatException($"The SPANN meta file '{path}' has format version {version}; this build reads versions 1 and {FormatVersion}.");
        }

        int fixedBytes = version == 1 ? FixedBytesV1 : FixedBytes;
        int postings = BinaryPrimitives.ReadInt32LittleEndian(s[68..]);
        int keys = BinaryPrimitives.ReadInt32LittleEndian(s[72..]);
        long expected = postings < 0 || keys < 0 || s.Length < fixedBytes + 4 ? -1 : fixedBytes + ((long)postings * PostingBytes) + ((long)keys * KeyBytes) + 4;
        if (expected != s.Length)
        {
            throw new VectorFormatException($"The SPANN meta file '{path}' is truncated or corrupt: {s.Length} bytes, its counts need {expected}.");
        }

        if (!ChecksummedStream.TrailerMatches(s))
        {
            throw new VectorFormatException($"The SPANN meta file '{path}' is corrupt (CRC mismatch).");
        }

        int dimension = BinaryPrimitives.ReadInt32LittleEndian(s[12..]);
        if (dimension < 1)
        {
            throw new VectorFormatException($"The SPANN meta file '{path}' has an invalid dimension {dimension}.");
        }

        if (expectedDimension is { } want && want != dimension)
        {
            throw new VectorFormatException($"The SPANN index in '{directory}' holds {dimension}-dimensional vectors; {want} were expected.");
        }

        var metric = (VectorMetric)BinaryPrimitives.ReadInt32LittleEndian(s[16..]);
        if (!Enum.IsDefined(metric))
        {
            throw new VectorFormatException($"The SPANN meta file '{path}' names an unknown metric ({(int)metric}).");
        }

        var table = new PostingTable();
        int at = fixedBytes;
        for (int p = 0; p < postings; p++)
        {
            long offset = BinaryPrimitives.ReadInt64LittleEndian(s[at..]);
            int capacity = BinaryPrimitives.ReadInt32LittleEndian(s[(at + 8)..]);
            int count = BinaryPrimitives.ReadInt32LittleEndian(s[(at + 12)..]);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(s[(at + 16)..]);
            table.Add(offset, capacity, count, crc, s[at + 20] != 0, isDirty: false);
            at += PostingBytes;
        }

        var versions = new Dictionary<long, int>(keys);
        for (int i = 0; i < keys; i++)
        {
            versions[BinaryPrimitives.ReadInt64LittleEndian(s[at..])] = BinaryPrimitives.ReadInt32LittleEndian(s[(at + 8)..]);
            at += KeyBytes;
        }

        return new SpannMeta
        {
            Dimension = dimension,
            Metric = metric,
            IndexId = new Guid(s.Slice(20, 16)),
            HeadGeneration = BinaryPrimitives.ReadInt64LittleEndian(s[36..]),
            PostingsGeneration = BinaryPrimitives.ReadInt64LittleEndian(s[44..]),
            WalSequence = BinaryPrimitives.ReadInt64LittleEndian(s[52..]),
            PostingsEnd = BinaryPrimitives.ReadInt64LittleEndian(s[60..]),
            Postings = table,
            Versions = versions,
            HasCodes = version > 1 && BinaryPrimitives.ReadInt32LittleEndian(s[76..]) != 0,
        };
    }
}
