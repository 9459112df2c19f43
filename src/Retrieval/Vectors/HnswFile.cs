using AgentMem.Common.IO;

namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// The one reader/writer of HNSW index files. Layout, little-endian:
/// <list type="number">
/// <item>header: magic <c>AMEMHNSW</c> (8 bytes), format version (int32), then int32 dimension, metric,
/// M, efConstruction, efSearch, seed, keepPrunedConnections (0/1), node count, entry point, max level;</item>
/// <item>body: keys (int64 × nodes), levels (int32 × nodes), deleted flags (byte × nodes), vectors
/// (float32 × nodes × dimension, normalised for cosine), layer-0 links (int32 × nodes × (2M+1)), then for
/// each node above layer 0 its upper links (int32 × level × (M+1));</item>
/// <item>trailer: CRC-32 of every byte before it (uint32).</item>
/// </list>
/// Deleted nodes are written as they are (their slots are free for reuse after loading).
/// </summary>
internal static class HnswFile
{
    /// <summary>The current format version; files of other versions are refused.</summary>
    public const int FormatVersion = 1;

    private const int HeaderInts = 11;
    private static readonly byte[] Magic = "AMEMHNSW"u8.ToArray();

    /// <summary>Writes <paramref name="index"/> to <paramref name="path"/> through a temporary file and a rename, so a crash never leaves half a file.</summary>
    public static void Write(HnswIndex index, string path)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureLittleEndian();
        var g = index.Snapshot();
        CrashSafeFile.Write(Path.GetFullPath(path), stream =>
        {
            var w = new ChecksummedStream(stream);
            w.Write(Magic);
            Span<int> header = stackalloc int[HeaderInts];
            header[0] = FormatVersion;
            header[1] = g.Dimension;
            header[2] = (int)g.Metric;
            header[3] = g.Options.M;
            header[4] = g.Options.EfConstruction;
            header[5] = g.Options.EfSearch;
            header[6] = g.Options.Seed;
            header[7] = g.Options.KeepPrunedConnections ? 1 : 0;
            header[8] = g.NodeCount;
            header[9] = g.EntryPoint;
            header[10] = g.MaxLevel;
            w.Write(MemoryMarshal.AsBytes(header));
            int n = g.NodeCount;
            w.Write(MemoryMarshal.AsBytes(g.Keys.AsSpan(0, n)));
            w.Write(MemoryMarshal.AsBytes(g.Levels.AsSpan(0, n)));
            w.Write(MemoryMarshal.AsBytes(g.Deleted.AsSpan(0, n)));
            w.Write(MemoryMarshal.AsBytes(g.Vectors.Span[..(n * g.Dimension)]));
            w.Write(MemoryMarshal.AsBytes(g.Links0.AsSpan(0, n * ((2 * g.Options.M) + 1))));
            for (int i = 0; i < n; i++)
            {
                if (g.Levels[i] > 0)
                {
                    w.Write(MemoryMarshal.AsBytes(g.UpperLinks[i].AsSpan(0, g.Levels[i] * (g.Options.M + 1))));
                }
            }

            w.WriteChecksum();
        });
    }

    /// <summary>Reads an index file.</summary>
    /// <exception cref="VectorFormatException">Wrong magic or version, truncated, checksum mismatch, or inconsistent contents.</exception>
    public static HnswIndex Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureLittleEndian();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return Read(stream, path);
        }
        catch (EndOfStreamException ex)
        {
            throw new VectorFormatException($"The HNSW index file '{path}' is truncated.", ex);
        }
    }

    private static HnswIndex Read(FileStream stream, string path)
    {
        var r = new ChecksummedStream(stream);
        Span<byte> magic = stackalloc byte[8];
        r.Read(magic);
        if (!magic.SequenceEqual(Magic))
        {
            throw new VectorFormatException($"'{path}' is not an AgentMem HNSW index file (wrong magic number).");
        }

        Span<int> header = stackalloc int[HeaderInts];
        r.Read(MemoryMarshal.AsBytes(header));
        if (header[0] != FormatVersion)
        {
            throw new VectorFormatException($"The HNSW index file '{path}' has format version {header[0]}; this build reads version {FormatVersion}.");
        }

        int dimension = header[1];
        var metric = (VectorMetric)header[2];
        int n = header[8];
        if (dimension < 1 || !Enum.IsDefined(metric) || header[3] < 2 || header[3] > 256 || n < 0)
        {
            throw Corrupt(path, "impossible header values");
        }

        var options = new HnswOptions
        {
            M = header[3],
            EfConstruction = header[4],
            EfSearch = header[5],
            Seed = header[6],
            KeepPrunedConnections = header[7] != 0,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new VectorFormatException($"The HNSW index file '{path}' is corrupt: {ex.Message}", ex);
        }

        int stride0 = (2 * options.M) + 1;
        int strideUp = options.M + 1;

        // Refuse counts the file cannot hold before allocating for them (divided, not multiplied: a damaged count times a
        // damaged dimension overflowed past the check into an OutOfMemoryException).
        long perNode = 8L + 4 + 1 + (dimension * 4L) + (stride0 * 4L);
        long room = stream.Length - (Magic.Length + (HeaderInts * 4L) + 4);
        if (room < 0 || n > room / perNode || (long)n * dimension > Array.MaxLength || (long)n * stride0 > Array.MaxLength)
        {
            throw new VectorFormatException($"The HNSW index file '{path}' is truncated: its header announces {n} vectors of dimension {dimension}.");
        }

        int capacity = Math.Max(n, 1);
        var keys = new long[capacity];
        var levels = new int[capacity];
        var deleted = new bool[capacity];
        var vectors = new float[(long)capacity * dimension];
        var links0 = new int[capacity * stride0];
        var upper = new int[]?[capacity];
        r.Read(MemoryMarshal.AsBytes(keys.AsSpan(0, n)));
        r.Read(MemoryMarshal.AsBytes(levels.AsSpan(0, n)));
        Span<byte> flags = MemoryMarshal.AsBytes(deleted.AsSpan(0, n));
        r.Read(flags);
        r.Read(MemoryMarshal.AsBytes(vectors.AsSpan(0, n * dimension)));
        r.Read(MemoryMarshal.AsBytes(links0.AsSpan(0, n * stride0)));
        for (int i = 0; i < n; i++)
        {
            if (levels[i] < 0 || levels[i] > 64)
            {
                throw Corrupt(path, $"node {i} has level {levels[i]}");
            }

            if (flags[i] > 1)
            {
                throw Corrupt(path, $"node {i} has deleted flag {flags[i]}");
            }

            if (levels[i] > 0)
            {
                upper[i] = new int[levels[i] * strideUp];
                r.Read(MemoryMarshal.AsBytes(upper[i].AsSpan()));
            }
        }

        uint computed = r.Checksum;
        uint stored = r.ReadChecksum();
        if (stored != computed)
        {
            throw new VectorFormatException($"The HNSW index file '{path}' is corrupt: checksum {stored:X8} stored, {computed:X8} computed.");
        }

        if (stream.Position != stream.Length)
        {
            throw Corrupt(path, "unexpected bytes after the checksum");
        }

        int entry = header[9];
        int maxLevel = header[10];
        bool emptyGraph = entry == -1 && maxLevel == -1;
        if (!emptyGraph && (entry < 0 || entry >= n || levels[entry] != maxLevel))
        {
            throw Corrupt(path, "the entry point does not match the nodes");
        }

        ValidateLinks(path, links0, n, stride0, levels, layerOf: _ => 0);
        for (int i = 0; i < n; i++)
        {
            if (upper[i] is { } links)
            {
                ValidateLinks(path, links, levels[i], strideUp, levels, layerOf: block => block + 1);
            }
        }

        return HnswIndex.FromGraph(new HnswGraph(dimension, metric, options, n, entry, maxLevel, vectors, keys, levels, deleted, links0, upper));
    }

    /// <summary>Every link must name an existing node that has the layer the link is on (searches rely on it).</summary>
    private static void ValidateLinks(string path, int[] links, int blocks, int stride, int[] levels, Func<int, int> layerOf)
    {
        int nodeCount = levels.Length;
        for (int b = 0; b < blocks; b++)
        {
            int layer = layerOf(b);
            int at = b * stride;
            int count = links[at];
            if (count < 0 || count >= stride)
            {
                throw Corrupt(path, $"a link list claims {count} links");
            }

            for (int i = 1; i <= count; i++)
            {
                int target = links[at + i];
                if ((uint)target >= (uint)nodeCount || levels[target] < layer)
                {
                    throw Corrupt(path, $"a link on layer {layer} points at node {target}, which is missing or lacks that layer");
                }
            }
        }
    }

    private static VectorFormatException Corrupt(string path, string detail) =>
        new($"The HNSW index file '{path}' is corrupt: {detail}.");

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("HNSW index files are little-endian; big-endian machines are not supported.");
        }
    }
}
