using System.Buffers.Binary;
using AgentMem.Common.IO;
using AgentMem.Common.Text;

namespace AgentMem.ModelHost;

/// <summary>
/// The <c>.amlora</c> file of a <see cref="LoraAdapter"/>: written crash-safely, read with every problem reported as a
/// <see cref="ModelFormatException"/> that names the file (bad magic, unknown or newer version, truncated, implausible header,
/// checksum mismatch, or — when a model is given — another model or shape).
/// </summary>
/// <remarks>
/// Layout (little-endian), version 1: <c>"AMLORA\0\0"</c> magic (8 bytes), uint32 version, 32-byte base-model fingerprint,
/// int32 layers, dim, kv_dim, hidden_dim, rank, float32 alpha, int32 target mask (bit i = <see cref="LoraTarget"/> i),
/// int32 dtype (0 = float32), int32 metadata count then per entry int32 byte length + UTF-8 key and int32 byte length +
/// UTF-8 value (keys in ordinal order), int32 source count then per source int32 byte length + UTF-8 id, the tensors
/// (targets in enum order; per target, layers in order; per layer A [rank × in] then B [out × rank], float32 row-major),
/// then uint32 CRC-32 of every preceding byte.
/// </remarks>
public static class LoraAdapterFile
{
    /// <summary>The format version this build writes (and the only one it reads).</summary>
    public const int FormatVersion = 1;

    /// <summary>File name extension.</summary>
    public const string Extension = ".amlora";

    /// <summary>Media type of an adapter file (for <c>PayloadRef</c>s).</summary>
    public const string MediaType = "application/x-agentmem-lora";

    private const int FixedHeaderBytes = 8 + 4 + LoraAdapter.FingerprintBytes + (5 * 4) + 4 + 4 + 4;
    private const int MaxEntries = 1 << 16;
    private const int MaxStringBytes = 1 << 20;
    private const int MaxLayers = 4096;
    private const int MaxSize = 1 << 20;
    private const int MaxHeaderBytes = 1 << 28; // Inspect reads a prefix of at most 1 GiB; keep well inside it
    private static readonly byte[] Magic = "AMLORA\0\0"u8.ToArray();

    /// <summary>
    /// Writes <paramref name="adapter"/> to <paramref name="path"/> crash-safely: into a temporary file beside it, flushed to
    /// disk, then renamed over the name, so a reader sees the old file or the whole new one, never half.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The adapter exceeds a limit that <see cref="Load(string)"/> enforces (more than 65,536 sources or metadata entries, a
    /// string over 1 MiB of UTF-8, over 4,096 layers or a size over 2^20, a header over 256 MiB, a file over
    /// <see cref="Array.MaxLength"/> bytes), or a metadata key or value or a source id holds an unpaired UTF-16 surrogate
    /// (text cut inside a character), which UTF-8 cannot store, or an A or B holds NaN or an infinity (which Load refuses);
    /// nothing is written.
    /// </exception>
    public static void Save(LoraAdapter adapter, string path)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        EnsureReadable(adapter); // before the temporary file exists
        CrashSafeFile.Write(path, stream => WriteTo(adapter, stream));
    }

    /// <summary>Writes <paramref name="adapter"/> in the file format to <paramref name="stream"/> (header, tensors, checksum).</summary>
    /// <exception cref="ArgumentException">The adapter exceeds a limit of the format (see <see cref="Save"/>); nothing is written.</exception>
    public static void WriteTo(LoraAdapter adapter, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(stream);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("LoRA adapter files are little-endian; this platform is not.");
        }

        EnsureReadable(adapter);

        var file = new ChecksummedStream(stream);
        Span<byte> header = stackalloc byte[FixedHeaderBytes];
        Magic.CopyTo(header);
        int o = Magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(header[o..], FormatVersion);
        o += 4;
        adapter.BaseFingerprint.CopyTo(header[o..]);
        o += LoraAdapter.FingerprintBytes;
        foreach (int value in (ReadOnlySpan<int>)[adapter.Layers, adapter.Dim, adapter.KvDim, adapter.HiddenDim, adapter.Rank])
        {
            BinaryPrimitives.WriteInt32LittleEndian(header[o..], value);
            o += 4;
        }

        BinaryPrimitives.WriteSingleLittleEndian(header[o..], adapter.Alpha);
        BinaryPrimitives.WriteInt32LittleEndian(header[(o + 4)..], adapter.TargetMask);
        BinaryPrimitives.WriteInt32LittleEndian(header[(o + 8)..], 0);
        file.Write(header);
        file.WriteInt32(adapter.Metadata.Count);
        foreach (var (key, value) in adapter.Metadata)
        {
            WriteString(file, key);
            WriteString(file, value);
        }

        file.WriteInt32(adapter.Sources.Count);
        foreach (string source in adapter.Sources)
        {
            WriteString(file, source);
        }

        foreach (var tensor in adapter.Tensors())
        {
            file.Write(MemoryMarshal.AsBytes(tensor.AsSpan()));
        }

        file.WriteChecksum();
    }

    /// <summary>Reads the adapter at <paramref name="path"/>, checking its checksum and that every value is finite.</summary>
    /// <exception cref="ModelFormatException">No file at the path (missing, or a folder), not an adapter file, unknown version,
    /// truncated, inconsistent or corrupt, or a value is NaN or infinite (the message names the matrix, target and layer).</exception>
    public static LoraAdapter Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(PayloadFile.Open(path, "LoRA adapter", File.ReadAllBytes), path);
    }

    /// <summary>Reads the adapter at <paramref name="path"/> and checks it was trained on <paramref name="model"/> and fits its shape.</summary>
    /// <exception cref="ModelFormatException">Malformed, corrupt, or made for another model or shape.</exception>
    public static LoraAdapter Load(string path, LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var adapter = Load(path);
        adapter.EnsureFits(model);
        return adapter;
    }

    /// <summary>Parses an adapter from its bytes; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ModelFormatException">Not an adapter file, unknown version, truncated, inconsistent or corrupt, or a value
    /// is NaN or infinite.</exception>
    public static LoraAdapter Read(ReadOnlySpan<byte> data, string source = "LoRA adapter")
    {
        ArgumentNullException.ThrowIfNull(source);
        var (h, o) = ParseHeader(data, data.Length, source) ?? throw new InvalidOperationException("a whole file never needs more bytes.");
        long total = o + (4L * TensorFloats(h)) + 4;
        if (data.Length < total)
        {
            throw new ModelFormatException($"{source}: LoRA adapter file is truncated ({data.Length} bytes; its header needs {total}).");
        }

        if (data.Length > total)
        {
            throw new ModelFormatException($"{source}: LoRA adapter file has {data.Length - total} bytes past its end ({total}); the file is corrupt.");
        }

        var (stored, actual) = ChecksummedStream.ReadTrailer(data);
        if (stored != actual)
        {
            throw new ModelFormatException($"{source}: LoRA adapter checksum mismatch (stored {stored:x8}, computed {actual:x8}); the file is corrupt.");
        }

        LoraAdapter adapter;
        try
        {
            // Allocated only now: the sizes were checked against the file's length above.
            adapter = new LoraAdapter(h.Layers, h.Dim, h.KvDim, h.HiddenDim, h.Rank, h.Alpha, h.Targets, Convert.FromHexString(h.Fingerprint), h.Metadata, h.Sources) { Origin = source };
        }
        catch (ArgumentException ex)
        {
            throw new ModelFormatException($"{source}: inconsistent LoRA adapter header: {ex.Message}", ex);
        }

        foreach (var tensor in adapter.Tensors())
        {
            int bytes = tensor.Length * 4;
            MemoryMarshal.Cast<byte, float>(data.Slice(o, bytes)).CopyTo(tensor);
            o += bytes;
        }

        // The checksum holds for a NaN or a huge value that was saved (older builds wrote them): refused here, before a model
        // sees one.
        if (adapter.FindUnusable() is { } where)
        {
            throw new ModelFormatException($"{source}: LoRA adapter's {where}");
        }

        return adapter;
    }

    /// <summary>
    /// Reads only the header, metadata and sources of the adapter at <paramref name="path"/> (not the tensors, not the checksum):
    /// cheap whatever the adapter's size. <see cref="Load(string)"/> is what checks a file whole.
    /// </summary>
    /// <exception cref="ModelFormatException">No file at the path (missing, or a folder), not an adapter file, unknown version,
    /// truncated or implausible header.</exception>
    public static LoraAdapterHeader Inspect(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var handle = PayloadFile.Open(path, "LoRA adapter", p => File.OpenHandle(p, FileMode.Open, FileAccess.Read, FileShare.Read));
        long length = RandomAccess.GetLength(handle);

        // The header's length is not known before it is parsed: read a prefix, and a longer one when that was not enough.
        for (long want = 1 << 14; ; want *= 4)
        {
            if (want > 1 << 30)
            {
                throw new ModelFormatException($"{path}: implausible LoRA adapter header (over 1 GiB of metadata and sources); the file is corrupt.");
            }

            var prefix = new byte[(int)Math.Min(length, want)];
            int got = 0;
            while (got < prefix.Length)
            {
                int n = RandomAccess.Read(handle, prefix.AsSpan(got), got);
                if (n <= 0)
                {
                    throw new ModelFormatException($"{path}: LoRA adapter file is truncated at byte {got}.");
                }

                got += n;
            }

            if (ParseHeader(prefix, length, path) is { } parsed)
            {
                return parsed.Header with { FileBytes = length };
            }
        }
    }

    /// <summary>Throws when <paramref name="adapter"/> holds what the reader refuses as implausible, so that a file that saves also loads.</summary>
    private static void EnsureReadable(LoraAdapter adapter)
    {
        if (adapter.Layers > MaxLayers || adapter.Dim > MaxSize || adapter.KvDim > MaxSize || adapter.HiddenDim > MaxSize)
        {
            throw new ArgumentException($"A LoRA adapter file holds at most {MaxLayers} layers and sizes up to {MaxSize}; this adapter has {adapter.Layers} layers, dim {adapter.Dim}, kv dim {adapter.KvDim}, hidden {adapter.HiddenDim}.", nameof(adapter));
        }

        foreach (var (count, what) in new[] { (adapter.Metadata.Count, "metadata entries"), (adapter.Sources.Count, "sources") })
        {
            if (count > MaxEntries)
            {
                throw new ArgumentException($"A LoRA adapter file holds at most {MaxEntries} {what}; this adapter has {count} {what}.", nameof(adapter));
            }
        }

        long headerBytes = FixedHeaderBytes + 4 + 4;
        foreach (var (key, value) in adapter.Metadata)
        {
            headerBytes += StringBytes(key, "a metadata key") + StringBytes(value, $"the metadata value of '{key}'");
        }

        foreach (string source in adapter.Sources)
        {
            headerBytes += StringBytes(source, "a source id");
        }

        if (headerBytes > MaxHeaderBytes)
        {
            throw new ArgumentException($"A LoRA adapter file's metadata and sources take at most {MaxHeaderBytes} bytes; this adapter's take {headerBytes}.", nameof(adapter));
        }

        // Load reads the whole file into one array.
        long fileBytes = headerBytes + (4 * adapter.Tensors().Sum(t => (long)t.Length)) + 4;
        if (fileBytes > Array.MaxLength)
        {
            throw new ArgumentException($"This LoRA adapter would be a file of {fileBytes} bytes; at most {Array.MaxLength} can be loaded.", nameof(adapter));
        }

        // Last, as it reads every tensor: Load refuses a NaN, an infinity or a value beyond LoraAdapter.MaxMagnitude, since
        // one makes every logit NaN.
        adapter.EnsureUsable(nameof(adapter));

        static long StringBytes(string value, string what)
        {
            // UTF-8 would write U+FFFD in its place: keys that differ only there would become one and a value would change.
            if (SafeNormalization.FindLoneSurrogate(value, 0) >= 0)
            {
                throw new ArgumentException($"A LoRA adapter file holds UTF-8 strings; {what} holds an unpaired UTF-16 surrogate (text cut inside a character).", nameof(adapter));
            }

            int bytes = Encoding.UTF8.GetByteCount(value);
            return bytes <= MaxStringBytes
                ? 4L + bytes
                : throw new ArgumentException($"A LoRA adapter file holds strings of at most {MaxStringBytes} UTF-8 bytes; {what} has {bytes}.", nameof(adapter));
        }
    }

    /// <summary>Floats of all A and B tensors of an adapter with header <paramref name="h"/> (long: checked before allocating).</summary>
    private static long TensorFloats(LoraAdapterHeader h)
    {
        long floats = 0;
        foreach (var t in h.Targets)
        {
            long inSize = t == LoraTarget.W2 ? h.HiddenDim : h.Dim;
            long outSize = t switch { LoraTarget.K or LoraTarget.V => h.KvDim, LoraTarget.W1 or LoraTarget.W3 => h.HiddenDim, _ => h.Dim };
            floats += (long)h.Layers * h.Rank * (inSize + outSize);
        }

        return floats;
    }

    /// <summary>
    /// Parses the header from <paramref name="data"/>, the first bytes of a file of <paramref name="fileLength"/> bytes. Returns the
    /// header and the offset of the first tensor, or null when the prefix ends inside the header (read more and call again).
    /// </summary>
    private static (LoraAdapterHeader Header, int TensorOffset)? ParseHeader(ReadOnlySpan<byte> data, long fileLength, string source)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("LoRA adapter files are little-endian; this platform is not.");
        }

        if (data.Length < Magic.Length || !data[..Magic.Length].SequenceEqual(Magic))
        {
            throw new ModelFormatException($"{source}: not a LoRA adapter file (bad magic or too short).");
        }

        if (fileLength < 12)
        {
            throw new ModelFormatException($"{source}: LoRA adapter file is truncated ({fileLength} bytes).");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        if (version != FormatVersion)
        {
            string why = version > FormatVersion ? " (written by a newer AgentMem?)" : string.Empty;
            throw new ModelFormatException($"{source}: LoRA adapter format version {version}{why}; this build reads version {FormatVersion}.");
        }

        if (fileLength < FixedHeaderBytes + 4)
        {
            throw new ModelFormatException($"{source}: LoRA adapter file is truncated ({fileLength} bytes; the header alone is {FixedHeaderBytes}).");
        }

        if (data.Length < FixedHeaderBytes)
        {
            return null;
        }

        int o = 12;
        string fingerprint = Convert.ToHexStringLower(data.Slice(o, LoraAdapter.FingerprintBytes));
        o += LoraAdapter.FingerprintBytes;
        int layers = ReadInt(data, ref o), dim = ReadInt(data, ref o), kvDim = ReadInt(data, ref o), hidden = ReadInt(data, ref o), rank = ReadInt(data, ref o);
        float alpha = BinaryPrimitives.ReadSingleLittleEndian(data[o..]);
        o += 4;
        int mask = ReadInt(data, ref o), dtype = ReadInt(data, ref o);
        const int Limit = 1 << 20;
        if (layers is <= 0 or > 4096 || dim is <= 0 or > Limit || kvDim is <= 0 or > Limit || hidden is <= 0 or > Limit || rank is <= 0 or > LoraAdapter.MaxRank
            || mask is <= 0 or >= 1 << 7 || !float.IsFinite(alpha) || alpha <= 0 || alpha / rank > LoraAdapter.MaxMagnitude)
        {
            throw new ModelFormatException($"{source}: implausible LoRA adapter header (layers {layers}, dim {dim}, kv dim {kvDim}, hidden {hidden}, rank {rank}, alpha {alpha}, target mask {mask}); the file is corrupt.");
        }

        if (dtype != 0)
        {
            throw new ModelFormatException($"{source}: LoRA adapter dtype {dtype} is not supported; only float32 (0) is.");
        }

        var reader = new HeaderReader(source, fileLength);
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!reader.Count(data, ref o, "metadata entries", out int count))
        {
            return null;
        }

        for (int i = 0; i < count; i++)
        {
            if (!reader.String(data, ref o, out string? key) || !reader.String(data, ref o, out string? value))
            {
                return null;
            }

            if (!metadata.TryAdd(key, value))
            {
                // The writer stores each key once: a second entry would silently replace the first.
                throw new ModelFormatException($"{source}: LoRA adapter metadata holds the key '{key}' twice; the file is corrupt.");
            }
        }

        var sources = new List<string>();
        if (!reader.Count(data, ref o, "sources", out count))
        {
            return null;
        }

        for (int i = 0; i < count; i++)
        {
            if (!reader.String(data, ref o, out string? id))
            {
                return null;
            }

            sources.Add(id);
        }

        var targets = Enum.GetValues<LoraTarget>().Where(t => (mask & (1 << (int)t)) != 0).ToList();
        return (new LoraAdapterHeader(version, fingerprint, layers, dim, kvDim, hidden, rank, alpha, targets, metadata, sources), o);
    }

    private static int ReadInt(ReadOnlySpan<byte> data, ref int offset)
    {
        int value = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
        offset += 4;
        return value;
    }


    /// <summary>The variable part of the header, read from a prefix of a file: false means "the prefix ends here, read more".</summary>
    private readonly struct HeaderReader(string source, long fileLength)
    {
        public bool Count(ReadOnlySpan<byte> data, ref int offset, string what, out int count)
        {
            count = 0;
            if (!Available(data, offset, 4))
            {
                return false;
            }

            count = ReadInt(data, ref offset);
            if (count is < 0 or > MaxEntries)
            {
                throw new ModelFormatException($"{source}: implausible LoRA adapter header ({count} {what}); the file is corrupt.");
            }

            return true;
        }

        public bool String(ReadOnlySpan<byte> data, ref int offset, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
        {
            value = null;
            if (!Available(data, offset, 4))
            {
                return false;
            }

            int length = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            if (length is < 0 or > MaxStringBytes)
            {
                throw new ModelFormatException($"{source}: implausible LoRA adapter header (a string of {length} bytes); the file is corrupt.");
            }

            if (!Available(data, offset + 4, length))
            {
                return false;
            }

            try
            {
                value = new UTF8Encoding(false, true).GetString(data.Slice(offset + 4, length));
            }
            catch (DecoderFallbackException ex)
            {
                throw new ModelFormatException($"{source}: LoRA adapter header holds invalid UTF-8; the file is corrupt.", ex);
            }

            offset += 4 + length;
            return true;
        }

        /// <summary>True when bytes [offset, offset + count) are in the prefix; throws when they are past the file's header area.</summary>
        private bool Available(ReadOnlySpan<byte> data, int offset, int count)
        {
            if ((long)offset + count > fileLength - 4)
            {
                throw new ModelFormatException($"{source}: LoRA adapter file is truncated in its header (metadata or sources).");
            }

            return offset + count <= data.Length;
        }
    }

    /// <summary>A string as the header stores it: int32 byte length, then the UTF-8 bytes.</summary>
    private static void WriteString(ChecksummedStream file, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        file.WriteInt32(bytes.Length);
        file.Write(bytes);
    }
}
