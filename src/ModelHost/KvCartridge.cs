using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace AgentMem.ModelHost;

/// <summary>
/// A saved prefix of a <see cref="KvCache"/>: the keys (after RoPE) and values of positions 0 .. Count-1 with their token ids,
/// bound to the model that made them by its fingerprint, so a prefix is computed once and reloaded instead of prefilled again.
/// </summary>
/// <remarks>
/// File layout (little-endian), version 1:
/// <c>"AMKVCART"</c> magic (8 bytes), uint32 version, 32-byte model fingerprint, int32 layers, kv_heads, head_size,
/// int32 dtype (0 = float32), float32 RoPE theta, int32 RoPE style (0 = adjacent pairs, llama2.c), int32 count,
/// int32 tokens[count], int32 positions[count], float32 keys[layers][count][kv_dim], float32 values[layers][count][kv_dim],
/// then uint32 CRC-32 of every preceding byte.
/// </remarks>
public sealed class KvCartridge
{
    /// <summary>The current format version.</summary>
    public const int FormatVersion = 1;

    private const int FingerprintBytes = 32;
    private const int HeaderBytes = 8 + 4 + FingerprintBytes + (4 * 4) + 4 + 4 + 4;
    private static readonly byte[] Magic = "AMKVCART"u8.ToArray();

    private readonly byte[] fingerprint;
    private readonly int[] tokens;
    private readonly int[] positions;
    private readonly float[][] keys;
    private readonly float[][] values;

    private KvCartridge(byte[] fingerprint, int layers, int kvHeads, int headSize, float ropeTheta, int[] tokens, int[] positions, float[][] keys, float[][] values)
    {
        this.fingerprint = fingerprint;
        Layers = layers;
        KvHeads = kvHeads;
        HeadSize = headSize;
        RopeTheta = ropeTheta;
        this.tokens = tokens;
        this.positions = positions;
        this.keys = keys;
        this.values = values;
    }

    /// <summary>Number of transformer layers.</summary>
    public int Layers { get; }

    /// <summary>Number of key/value heads.</summary>
    public int KvHeads { get; }

    /// <summary>Width of one head.</summary>
    public int HeadSize { get; }

    /// <summary>RoPE base the keys were rotated with.</summary>
    public float RopeTheta { get; }

    /// <summary>Number of cached positions.</summary>
    public int Count => tokens.Length;

    /// <summary>The token at each cached position.</summary>
    public IReadOnlyList<int> Tokens => tokens;

    /// <summary>The position of each cached entry (0 .. Count-1 for a cartridge exported from a cache).</summary>
    public IReadOnlyList<int> Positions => positions;

    /// <summary>Fingerprint of the model that computed the cache.</summary>
    public ReadOnlySpan<byte> Fingerprint => fingerprint;

    private int KvDim => KvHeads * HeadSize;

    /// <summary>Copies positions 0 .. <paramref name="tokens"/>.Count-1 of <paramref name="cache"/>, which <paramref name="model"/> filled from <paramref name="tokens"/>.</summary>
    public static KvCartridge Export(LlamaModel model, KvCache cache, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count > cache.Length)
        {
            throw new ArgumentException($"{tokens.Count} tokens but the cache holds only {cache.Length} positions.", nameof(tokens));
        }

        var c = model.Config;
        int n = tokens.Count;
        var k = new float[c.Layers][];
        var v = new float[c.Layers][];
        for (int l = 0; l < c.Layers; l++)
        {
            k[l] = cache.Keys[l].AsSpan(0, n * c.KvDim).ToArray();
            v[l] = cache.Values[l].AsSpan(0, n * c.KvDim).ToArray();
        }

        var pos = new int[n];
        for (int i = 0; i < n; i++)
        {
            pos[i] = i;
        }

        return new KvCartridge(model.GetFingerprint(), c.Layers, c.KvHeads, c.HeadSize, LlamaConfig.RopeTheta, [.. tokens], pos, k, v);
    }

    /// <summary>
    /// Loads this prefix into <paramref name="cache"/> (replacing its contents) so decoding continues at position Count.
    /// </summary>
    /// <exception cref="ModelFormatException">The cartridge was made by another model or for another shape.</exception>
    public void ImportInto(LlamaModel model, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        var c = model.Config;
        if (!CryptographicOperations.FixedTimeEquals(fingerprint, model.GetFingerprint()))
        {
            throw new ModelFormatException($"KV cartridge was made by another model (fingerprint {Convert.ToHexString(fingerprint)[..16]}…, this model {Convert.ToHexString(model.GetFingerprint())[..16]}…).");
        }

        if (Layers != c.Layers || KvHeads != c.KvHeads || HeadSize != c.HeadSize || RopeTheta != LlamaConfig.RopeTheta || Count > c.SeqLen)
        {
            throw new ModelFormatException($"KV cartridge shape (layers {Layers}, kv heads {KvHeads}, head size {HeadSize}, {Count} positions) does not fit the model.");
        }

        for (int i = 0; i < positions.Length; i++)
        {
            if (positions[i] != i)
            {
                throw new ModelFormatException("KV cartridge positions are not 0 .. Count-1; only whole prefixes can be imported.");
            }
        }

        for (int l = 0; l < Layers; l++)
        {
            keys[l].CopyTo(cache.Keys[l], 0);
            values[l].CopyTo(cache.Values[l], 0);
        }

        cache.Clear();
        for (int i = 0; i < positions.Length; i++)
        {
            cache.SetFilled(i, positions[i]);
        }
    }

    /// <summary>
    /// The same entries moved by <paramref name="offset"/> positions. RoPE is a rotation, so a key at p becomes the key at
    /// p + offset by rotating it by offset · freq; values carry no position and are copied. Exact for layer 0; in deeper layers
    /// the entries still reflect the context they were computed in, which is what composition accepts.
    /// </summary>
    public KvCartridge Rebase(int offset)
    {
        var pos = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            long p = (long)positions[i] + offset;
            if (p < 0 || p > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, $"position {positions[i]} would move to {p}.");
            }

            pos[i] = (int)p;
        }

        var k = new float[Layers][];
        var v = new float[Layers][];
        for (int l = 0; l < Layers; l++)
        {
            k[l] = (float[])keys[l].Clone();
            v[l] = (float[])values[l].Clone();
            for (int i = 0; i < Count; i++)
            {
                Kernels.Rope(k[l].AsSpan(i * KvDim, KvDim), offset, HeadSize);
            }
        }

        return new KvCartridge(fingerprint, Layers, KvHeads, HeadSize, RopeTheta, [.. tokens], pos, k, v);
    }

    /// <summary>
    /// Lays <paramref name="parts"/> end to end (each re-based to follow the previous, the first to start at 0) in one cartridge,
    /// e.g. a cached system prompt followed by a cached document. All parts must come from the same model.
    /// </summary>
    /// <exception cref="ModelFormatException">The parts come from different models or shapes.</exception>
    public static KvCartridge Compose(params IReadOnlyList<KvCartridge> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("nothing to compose.", nameof(parts));
        }

        var first = parts[0];
        var tokens = new List<int>();
        var positions = new List<int>();
        var k = new List<float>[first.Layers];
        var v = new List<float>[first.Layers];
        for (int l = 0; l < first.Layers; l++)
        {
            k[l] = [];
            v[l] = [];
        }

        foreach (var part in parts)
        {
            if (!part.fingerprint.AsSpan().SequenceEqual(first.fingerprint) || part.Layers != first.Layers || part.KvHeads != first.KvHeads || part.HeadSize != first.HeadSize)
            {
                throw new ModelFormatException("KV cartridges from different models cannot be composed.");
            }

            if (part.Count == 0)
            {
                continue;
            }

            var moved = part.Rebase(tokens.Count - part.positions[0]);
            tokens.AddRange(moved.tokens);
            positions.AddRange(moved.positions);
            for (int l = 0; l < first.Layers; l++)
            {
                k[l].AddRange(moved.keys[l]);
                v[l].AddRange(moved.values[l]);
            }
        }

        var keys = new float[first.Layers][];
        var values = new float[first.Layers][];
        for (int l = 0; l < first.Layers; l++)
        {
            keys[l] = [.. k[l]];
            values[l] = [.. v[l]];
        }

        return new KvCartridge(first.fingerprint, first.Layers, first.KvHeads, first.HeadSize, first.RopeTheta, [.. tokens], [.. positions], keys, values);
    }

    /// <summary>Writes the cartridge to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        WriteTo(stream);
    }

    /// <summary>Reads a cartridge from <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">Wrong magic or version, truncated, inconsistent or failing its checksum.</exception>
    public static KvCartridge Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Writes the cartridge to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] data = new byte[TotalBytes(Layers, KvDim, Count)];
        var span = data.AsSpan();
        Magic.CopyTo(span);
        int o = Magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[o..], FormatVersion);
        o += 4;
        fingerprint.CopyTo(span[o..]);
        o += FingerprintBytes;
        foreach (int value in (ReadOnlySpan<int>)[Layers, KvHeads, HeadSize, 0])
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[o..], value);
            o += 4;
        }

        BinaryPrimitives.WriteSingleLittleEndian(span[o..], RopeTheta);
        BinaryPrimitives.WriteInt32LittleEndian(span[(o + 4)..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(span[(o + 8)..], Count);
        o += 12;
        o = Put(span, o, MemoryMarshal.AsBytes(tokens.AsSpan()));
        o = Put(span, o, MemoryMarshal.AsBytes(positions.AsSpan()));
        foreach (var layer in keys)
        {
            o = Put(span, o, MemoryMarshal.AsBytes(layer.AsSpan()));
        }

        foreach (var layer in values)
        {
            o = Put(span, o, MemoryMarshal.AsBytes(layer.AsSpan()));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[o..], Crc32.Append(0, span[..o]));
        stream.Write(data);
    }

    /// <summary>Parses a cartridge from its bytes; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ModelFormatException">Wrong magic or version, truncated, inconsistent or failing its checksum.</exception>
    public static KvCartridge Read(ReadOnlySpan<byte> data, string source = "KV cartridge")
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("KV cartridges are little-endian; this platform is not.");
        }

        if (data.Length < HeaderBytes + 4 || !data[..Magic.Length].SequenceEqual(Magic))
        {
            throw new ModelFormatException($"{source}: not a KV cartridge (bad magic or too short).");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        if (version != FormatVersion)
        {
            throw new ModelFormatException($"{source}: KV cartridge format version {version}; this build reads version {FormatVersion}.");
        }

        int o = 12;
        byte[] fp = data.Slice(o, FingerprintBytes).ToArray();
        o += FingerprintBytes;
        int layers = BinaryPrimitives.ReadInt32LittleEndian(data[o..]);
        int kvHeads = BinaryPrimitives.ReadInt32LittleEndian(data[(o + 4)..]);
        int headSize = BinaryPrimitives.ReadInt32LittleEndian(data[(o + 8)..]);
        int dtype = BinaryPrimitives.ReadInt32LittleEndian(data[(o + 12)..]);
        float theta = BinaryPrimitives.ReadSingleLittleEndian(data[(o + 16)..]);
        int ropeStyle = BinaryPrimitives.ReadInt32LittleEndian(data[(o + 20)..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(data[(o + 24)..]);
        o += 28;
        if (layers <= 0 || kvHeads <= 0 || headSize <= 0 || count < 0 || layers > 1 << 12 || kvHeads > 1 << 12 || headSize > 1 << 14 || count > 1 << 24)
        {
            throw new ModelFormatException($"{source}: implausible KV cartridge header (layers {layers}, kv heads {kvHeads}, head size {headSize}, count {count}).");
        }

        if (dtype != 0 || ropeStyle != 0)
        {
            throw new ModelFormatException($"{source}: unsupported dtype {dtype} or RoPE style {ropeStyle}; only float32 and adjacent-pair RoPE are supported.");
        }

        int kvDim = kvHeads * headSize;
        long total = TotalBytes(layers, kvDim, count);
        if (data.Length != total)
        {
            throw new ModelFormatException($"{source}: KV cartridge is {data.Length} bytes but its header needs {total}; truncated or corrupt.");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]);
        uint actual = Crc32.Append(0, data[..^4]);
        if (stored != actual)
        {
            throw new ModelFormatException($"{source}: KV cartridge checksum mismatch (stored {stored:x8}, computed {actual:x8}); the file is corrupt.");
        }

        int[] tokens = MemoryMarshal.Cast<byte, int>(data.Slice(o, count * 4)).ToArray();
        o += count * 4;
        int[] positions = MemoryMarshal.Cast<byte, int>(data.Slice(o, count * 4)).ToArray();
        o += count * 4;
        int layerBytes = count * kvDim * 4;
        var k = new float[layers][];
        var v = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            k[l] = MemoryMarshal.Cast<byte, float>(data.Slice(o, layerBytes)).ToArray();
            o += layerBytes;
        }

        for (int l = 0; l < layers; l++)
        {
            v[l] = MemoryMarshal.Cast<byte, float>(data.Slice(o, layerBytes)).ToArray();
            o += layerBytes;
        }

        return new KvCartridge(fp, layers, kvHeads, headSize, theta, tokens, positions, k, v);
    }

    private static long TotalBytes(int layers, int kvDim, int count) => HeaderBytes + (8L * count) + (2L * layers * count * kvDim * 4) + 4;

    private static int Put(Span<byte> destination, int offset, ReadOnlySpan<byte> source)
    {
        source.CopyTo(destination[offset..]);
        return offset + source.Length;
    }
}
