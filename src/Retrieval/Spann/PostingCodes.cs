using AgentMem.Common.IO;

namespace AgentMem.Retrieval.Spann;

/// <summary>
/// The in-memory mirror of every posting: per entry, in the same order as on disk, the key, the version
/// label and a product-quantisation code. A search ranks the entries of the probed postings by ADC here
/// and reads from disk only the best few full-precision vectors; SPANN's "compressed codes in memory".
/// Saved with each checkpoint as <c>codes.{generation}.pq</c> (CRC-checked) next to the head file.
/// </summary>
internal sealed class PostingCodes
{
    private const ulong Magic = 0x45444F4350534D41; // "AMSPCODE"
    private const int FormatVersion = 1;
    private const int HeaderBytes = 8 + 4 + 16 + 8 + 4;

    private byte[][] codes = [];
    private long[][] keys = [];
    private long allocatedEntries;
    private int[][] labels = [];
    private int[] counts = [];

    public PostingCodes(ProductQuantizer quantizer) => Quantizer = quantizer;

    public ProductQuantizer Quantizer { get; }

    /// <summary>Bytes per code (m).</summary>
    public int CodeSize => Quantizer.Subspaces;

    /// <summary>Bytes of the codebooks and per-entry arrays (allocated capacity).</summary>
    public long MemoryBytes
    {
        get
        {
            // A running count: summing every posting's arrays cost 0.1 ms per search at 6,000 postings.
            return Quantizer.MemoryBytes + (counts.LongLength * 40) + (allocatedEntries * (CodeSize + sizeof(long) + sizeof(int)));
        }
    }

    public static string FileFor(string directory, long generation) => Path.Combine(directory, $"codes.{generation}.pq");

    public int Count(int posting) => posting < counts.Length ? counts[posting] : 0;

    // A posting past the arrays has no entries: codes trained after the highest posting was merged away reserve no slot
    // for it, yet every checkpoint writes one (empty) record per posting id.
    public ReadOnlySpan<byte> Codes(int posting) => posting < counts.Length ? codes[posting].AsSpan(0, counts[posting] * CodeSize) : [];

    public long Key(int posting, int entry) => keys[posting][entry];

    public int Version(int posting, int entry) => labels[posting][entry];

    /// <summary>Appends one entry, encoding <paramref name="vector"/>.</summary>
    public void Append(int posting, long key, int version, ReadOnlySpan<float> vector)
    {
        Span<byte> code = stackalloc byte[CodeSize];
        Quantizer.Encode(vector, code);
        Append(posting, key, version, code);
    }

    public void Append(int posting, long key, int version, ReadOnlySpan<byte> code)
    {
        Reserve(posting, Count(posting) + 1);
        int at = counts[posting]++;
        keys[posting][at] = key;
        labels[posting][at] = version;
        code.CopyTo(codes[posting].AsSpan(at * CodeSize, CodeSize));
    }

    /// <summary>Empties a posting (rewritten, split or dissolved); its entries are appended again as needed.</summary>
    public void Clear(int posting)
    {
        if (posting < counts.Length)
        {
            counts[posting] = 0;
            allocatedEntries -= keys[posting].Length;
            codes[posting] = [];
            keys[posting] = [];
            labels[posting] = [];
        }
    }

    /// <summary>
    /// Keeps only the posting's entries at <paramref name="entries"/> (ascending), in that order, as a compaction that
    /// left the others behind wrote them to disk.
    /// </summary>
    public void Retain(int posting, ReadOnlySpan<int> entries)
    {
        for (int j = 0; j < entries.Length; j++)
        {
            int i = entries[j]; // i >= j: each entry moves down, over one already moved or dropped
            keys[posting][j] = keys[posting][i];
            labels[posting][j] = labels[posting][i];
            codes[posting].AsSpan(i * CodeSize, CodeSize).CopyTo(codes[posting].AsSpan(j * CodeSize, CodeSize));
        }

        counts[posting] = entries.Length;
    }

    /// <summary>Room for <paramref name="entries"/> entries in the posting (capacity doubles).</summary>
    public void Reserve(int posting, int entries)
    {
        if (posting >= counts.Length)
        {
            int size = Math.Max(posting + 1, counts.Length * 2);
            int old = counts.Length;
            Array.Resize(ref counts, size);
            Array.Resize(ref codes, size);
            Array.Resize(ref keys, size);
            Array.Resize(ref labels, size);
            for (int p = old; p < size; p++)
            {
                codes[p] = [];
                keys[p] = [];
                labels[p] = [];
            }
        }

        if (keys[posting].Length < entries)
        {
            int capacity = Math.Max(entries, Math.Max(4, keys[posting].Length * 2));
            allocatedEntries += capacity - keys[posting].Length;
            Array.Resize(ref keys[posting], capacity);
            Array.Resize(ref labels[posting], capacity);
            Array.Resize(ref codes[posting], capacity * CodeSize);
        }
    }

    /// <summary>Writes the codes file of a checkpoint through <see cref="CrashSafeFile"/>, ending with the CRC-32 trailer.</summary>
    public void Write(string path, Guid indexId, long generation, int postingCount) => CrashSafeFile.Write(path, stream =>
    {
        var file = new ChecksummedStream(stream);
        var header = new byte[HeaderBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), FormatVersion);
        indexId.TryWriteBytes(header.AsSpan(12, 16));
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(28), generation);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(36), postingCount);
        file.Write(header);
        var books = new byte[Quantizer.SerializedBytes];
        Quantizer.Write(books);
        file.Write(books);
        var buffer = Array.Empty<byte>();
        for (int p = 0; p < postingCount; p++)
        {
            int count = Count(p);
            int bytes = 4 + (count * (sizeof(long) + sizeof(int) + CodeSize));
            if (buffer.Length < bytes)
            {
                buffer = new byte[bytes];
            }

            var s = buffer.AsSpan(0, bytes);
            BinaryPrimitives.WriteInt32LittleEndian(s, count);
            int at = 4;
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(s[at..], keys[p][i]);
                BinaryPrimitives.WriteInt32LittleEndian(s[(at + 8)..], labels[p][i]);
                at += 12;
            }

            Codes(p).CopyTo(s[at..]);
            file.Write(s);
        }

        file.WriteChecksum();
    });

    /// <summary>
    /// Reads a codes file and checks it belongs to the checkpoint (index, generation, entry counts).
    /// Streamed in chunks with a running CRC, so opening a large index does not hold the file twice.
    /// </summary>
    /// <exception cref="VectorFormatException">Missing, truncated, corrupt or of another index, checkpoint or dimension.</exception>
    public static PostingCodes Read(string path, Guid indexId, long generation, int dimension, PostingTable table)
    {
        if (!File.Exists(path))
        {
            throw new VectorFormatException($"The SPANN codes file '{path}' is missing.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        long remaining = stream.Length - 4;
        var file = new ChecksummedStream(stream);
        void Take(Span<byte> into)
        {
            if (into.Length > remaining)
            {
                throw new VectorFormatException($"The SPANN codes file '{path}' is truncated or corrupt ({stream.Length} bytes).");
            }

            file.Read(into);
            remaining -= into.Length;
        }

        var header = new byte[HeaderBytes + 8];
        if (stream.Length < header.Length + 4)
        {
            throw new VectorFormatException($"The SPANN codes file '{path}' is truncated ({stream.Length} bytes).");
        }

        Take(header);
        var s = header.AsSpan();
        if (BinaryPrimitives.ReadUInt64LittleEndian(s) != Magic)
        {
            throw new VectorFormatException($"'{path}' is not a SPANN codes file (bad magic).");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(s[8..]);
        if (version != FormatVersion)
        {
            throw new VectorFormatException($"The SPANN codes file '{path}' has format version {version}; this build reads version {FormatVersion}.");
        }

        if (new Guid(s.Slice(12, 16)) != indexId || BinaryPrimitives.ReadInt64LittleEndian(s[28..]) != generation)
        {
            throw new VectorFormatException($"The SPANN codes file '{path}' belongs to another index or checkpoint.");
        }

        int postingCount = BinaryPrimitives.ReadInt32LittleEndian(s[36..]);
        int bookDimension = BinaryPrimitives.ReadInt32LittleEndian(s[HeaderBytes..]);
        if (bookDimension != dimension || postingCount != table.Length)
        {
            throw new VectorFormatException($"The SPANN codes file '{path}' does not match the index ({dimension} dimensions, {table.Length} postings).");
        }

        var books = new byte[8 + ((long)ProductQuantizer.Centroids * dimension * sizeof(float))];
        s[HeaderBytes..].CopyTo(books);
        Take(books.AsSpan(8));
        var quantizer = ProductQuantizer.Read(books, out _) ?? throw new VectorFormatException($"The SPANN codes file '{path}' holds an invalid codebook (corrupt).");
        var codes = new PostingCodes(quantizer);
        int m = quantizer.Subspaces;
        Span<byte> word = stackalloc byte[4];
        var entries = Array.Empty<byte>();
        for (int p = 0; p < postingCount; p++)
        {
            Take(word);
            int count = BinaryPrimitives.ReadInt32LittleEndian(word);
            if (count < 0 || (long)count * (12 + m) > remaining || (table.IsAlive(p) && count != table.Count(p)))
            {
                throw new VectorFormatException($"The SPANN codes file '{path}' does not match posting {p} of the meta file (corrupt or of another checkpoint).");
            }

            if (entries.Length < count * 12)
            {
                entries = new byte[Math.Max(count * 12, entries.Length * 2)];
            }

            Take(entries.AsSpan(0, count * 12));
            codes.Reserve(p, count);
            for (int i = 0; i < count; i++)
            {
                codes.keys[p][i] = BinaryPrimitives.ReadInt64LittleEndian(entries.AsSpan(i * 12));
                codes.labels[p][i] = BinaryPrimitives.ReadInt32LittleEndian(entries.AsSpan((i * 12) + 8));
            }

            Take(codes.codes[p].AsSpan(0, count * m));
            codes.counts[p] = count;
        }

        if (remaining != 0)
        {
            throw new VectorFormatException($"The SPANN codes file '{path}' has {remaining} bytes past its last posting (corrupt).");
        }

        if (file.ReadChecksum() != file.Checksum)
        {
            throw new VectorFormatException($"The SPANN codes file '{path}' is corrupt (CRC mismatch).");
        }

        return codes;
    }
}
