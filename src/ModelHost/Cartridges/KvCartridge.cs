using System.Buffers.Binary;
using AgentMem.Common.IO;
using AgentMem.Common.Text;

namespace AgentMem.ModelHost;

/// <summary>
/// Saved entries of a <see cref="KvCache"/>: the keys (after RoPE) and values of some slots with their tokens and RoPE positions,
/// bound to the model that made them by its fingerprint, so a prefix is computed once and reloaded instead of prefilled again.
/// </summary>
/// <remarks>
/// <para>
/// A cartridge is either a root (its entries were computed from BOS) or a link of a chain: made on top of a base cartridge, it holds
/// only its own tokens' entries, computed after importing the base, and records the base's <see cref="Id"/> in <see cref="BaseId"/>.
/// Composing a whole chain in order (<see cref="IsChain"/>) lays it as it was computed; that is exact (<see cref="IsExact"/>),
/// equal to prefilling the concatenated tokens, unless entries were dropped by compression (<see cref="IsCompressed"/>) or
/// trained. Composing independently made cartridges re-bases their positions (exact for layer 0 only; deeper layers keep the
/// context they were computed in), which is an approximation.
/// </para>
/// <para>
/// File layout (little-endian), version 3:
/// <c>"AMKVCART"</c> magic (8 bytes), uint32 version, 32-byte model fingerprint, int32 layers, kv_heads, head_size,
/// int32 dtype (0 = float32), float32 RoPE theta, int32 RoPE style (0 = adjacent pairs, llama2.c; 1 = halves, Hugging Face), int32 count,
/// 32-byte id (SHA-256 of the content), 32-byte base id (zeros for a root), int32 flags (bit 0 = trained, bit 1 = RoPE scaling),
/// int32 recipe_bytes, with flag bit 1 the RoPE frequency scaling (float64 factor, low and high frequency factors, int32 original
/// context, int32 0), the recipe (UTF-8 "key=value\n" lines in key order; trained cartridges only), int32 tokens[count], int32 positions[count] (strictly increasing), float32 keys[layers][count][kv_dim],
/// float32 values[layers][count][kv_dim], then uint32 CRC-32 of every preceding byte.
/// Version 2 files (no flags, no recipe) and version 1 files (no id and base id either, read as roots) are still read. Builds
/// before RoPE style 1 and flag bit 1 wrote style 0 for every model and refuse files that use either.
/// </para>
/// </remarks>
public sealed class KvCartridge
{
    /// <summary>The format version this build writes.</summary>
    public const int FormatVersion = 3;

    /// <summary>Media type of a cartridge file (for <c>PayloadRef</c>s).</summary>
    public const string MediaType = "application/x-agentmem-cartridge";

    private const int FingerprintBytes = 32;
    private const int IdBytes = 32;
    private const int V1HeaderBytes = 8 + 4 + FingerprintBytes + (4 * 4) + 4 + 4 + 4;
    private const int V2HeaderBytes = V1HeaderBytes + (2 * IdBytes);
    private const int V3HeaderBytes = V2HeaderBytes + 4 + 4;
    private const int TrainedFlag = 1;
    private const int RopeScalingFlag = 2;
    private const int RopeScalingBytes = (3 * 8) + 4 + 4;
    private const int MaxRecipeBytes = 1 << 20;
    private const int MaxLayers = 1 << 12, MaxKvHeads = 1 << 12, MaxHeadSize = 1 << 14, MaxCount = 1 << 24;

    // Large reads: few system calls, and each chunk is checksummed while it is still in the CPU's caches.
    private const int ReadChunkBytes = 4 << 20;
    private static readonly byte[] Magic = "AMKVCART"u8.ToArray();

    // Base id of entries that are neither from BOS nor a link (moved by Rebase, or an approximate composition): matches no id.
    private static readonly byte[] DetachedId = [.. Enumerable.Repeat((byte)0xFF, IdBytes)];
    private static readonly IReadOnlyDictionary<string, string> EmptyRecipe = new SortedDictionary<string, string>(StringComparer.Ordinal);

    private readonly byte[] fingerprint;
    private readonly CartridgeRope rope;
    private readonly byte[] baseId;
    private readonly int[] tokens;
    private readonly int[] positions;
    private readonly float[][] keys;
    private readonly float[][] values;
    private byte[]? id;
    private SortedDictionary<string, string>? recipe;

    private KvCartridge(byte[] fingerprint, int layers, int kvHeads, int headSize, CartridgeRope rope, int[] tokens, int[] positions, float[][] keys, float[][] values, byte[] baseId, byte[]? id)
    {
        this.fingerprint = fingerprint;
        Layers = layers;
        KvHeads = kvHeads;
        HeadSize = headSize;
        this.rope = rope;
        this.tokens = tokens;
        this.positions = positions;
        this.keys = keys;
        this.values = values;
        this.baseId = baseId;
        this.id = id;
    }

    /// <summary>Number of transformer layers.</summary>
    public int Layers { get; }

    /// <summary>Number of key/value heads.</summary>
    public int KvHeads { get; }

    /// <summary>Width of one head.</summary>
    public int HeadSize { get; }

    /// <summary>RoPE base the keys were rotated with.</summary>
    public float RopeTheta => rope.Theta;

    /// <summary>
    /// Which pairs of a key RoPE rotated: the model's (<see cref="LlamaConfig.RopeStyle"/>), so <see cref="Rebase"/> can move the
    /// entries without the model. Files written before the style was recorded say <see cref="RopeStyle.Interleaved"/> whatever the model.
    /// </summary>
    public RopeStyle RopeStyle => rope.Style;

    /// <summary>The model's RoPE frequency scaling (<see cref="LlamaConfig.RopeScaling"/>), or null when it has none.</summary>
    public RopeScaling? RopeScaling => rope.Scaling;

    /// <summary>Number of cached entries.</summary>
    public int Count => tokens.Length;

    /// <summary>The token of each cached entry.</summary>
    public IReadOnlyList<int> Tokens => tokens;

    /// <summary>The RoPE position of each cached entry, strictly increasing (0 .. Count-1 for a root exported from a whole prefix).</summary>
    public IReadOnlyList<int> Positions => positions;

    /// <summary>The position a continuation starts at: one past the last entry's position (0 when empty).</summary>
    public int NextPosition => Count == 0 ? 0 : positions[^1] + 1;

    /// <summary>Fingerprint of the model that computed the cache.</summary>
    public ReadOnlySpan<byte> Fingerprint => fingerprint;

    /// <summary>
    /// SHA-256 of the content (shape, fingerprint, base id, tokens, positions, keys, values): names this cartridge in a chain.
    /// Read from the file for version-2 files; computed on first use otherwise.
    /// </summary>
    public ReadOnlySpan<byte> Id => id ??= ComputeId();

    /// <summary>
    /// The <see cref="Id"/> of the cartridge this one was computed on top of; all zeros for a root, all 0xFF for detached entries
    /// (moved by <see cref="Rebase"/> or composed approximately), which can start no exact chain.
    /// </summary>
    public ReadOnlySpan<byte> BaseId => baseId;

    /// <summary>True when the entries were computed from BOS (possibly compressed since: <see cref="IsCompressed"/>), not on top of a base.</summary>
    public bool IsRoot => !baseId.AsSpan().ContainsAnyExcept((byte)0);

    /// <summary>
    /// True when entries are missing from the sequence they were computed in: the positions skip some (a compressed cache keeps
    /// its most attended entries at their own positions, <see cref="Compression.KvCompressor"/>) or a root does not start at
    /// position 0. Decoding after them only approximates decoding after the whole text (<see cref="IsExact"/>). Told by the
    /// positions, which every file version stores, so compressed files of earlier builds are recognised too.
    /// </summary>
    public bool IsCompressed => MissesEntries(positions, IsRoot);

    /// <summary>True when the entries were moved or composed approximately: neither a root nor a chain link.</summary>
    public bool IsDetached => !baseId.AsSpan().ContainsAnyExcept((byte)0xFF);

    /// <summary>
    /// True when the entries were trained (self-study) rather than computed from their tokens: they stand for a corpus, and
    /// <see cref="Recipe"/> says how they were made.
    /// </summary>
    public bool IsTrained => recipe is not null;

    /// <summary>How a trained cartridge was made (settings, corpus size and hash …), sorted by key; empty when not trained.</summary>
    public IReadOnlyDictionary<string, string> Recipe => recipe ?? EmptyRecipe;

    /// <summary>Size of the cartridge's file in bytes.</summary>
    public long FileBytes => TotalBytes(FormatVersion, Layers, KvDim, Count, RecipeBytes().Length, rope.Scaling is not null);

    private int KvDim => KvHeads * HeadSize;

    /// <summary>Size of the file of a cartridge of <paramref name="entries"/> entries for a model shaped <paramref name="config"/>.</summary>
    public static long FileBytesFor(LlamaConfig config, int entries)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegative(entries);
        return TotalBytes(FormatVersion, config.Layers, config.KvDim, entries, 0, config.RopeScaling is not null);
    }

    /// <summary>
    /// Copies slots 0 .. <paramref name="tokens"/>.Count-1 of <paramref name="cache"/> with their positions, which
    /// <paramref name="model"/> filled from <paramref name="tokens"/>, as a root cartridge.
    /// </summary>
    public static KvCartridge Export(LlamaModel model, KvCache cache, IReadOnlyList<int> tokens) => Export(model, cache, 0, tokens, null);

    /// <summary>
    /// Copies slots <paramref name="firstSlot"/> .. firstSlot + <paramref name="tokens"/>.Count-1 of <paramref name="cache"/> with
    /// their positions. With <paramref name="baseCartridge"/> the result is a chain link: slots 0 .. firstSlot-1 must hold the whole
    /// chain that ends with that cartridge (imported), and only the entries computed on top of it are kept.
    /// </summary>
    public static KvCartridge Export(LlamaModel model, KvCache cache, int firstSlot, IReadOnlyList<int> tokens, KvCartridge? baseCartridge)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(firstSlot);
        if (firstSlot + tokens.Count > cache.Length)
        {
            throw new ArgumentException($"slots {firstSlot} .. {firstSlot + tokens.Count - 1} requested but the cache holds only {cache.Length}.", nameof(tokens));
        }

        var c = model.Config;
        int n = tokens.Count;
        var k = new float[c.Layers][];
        var v = new float[c.Layers][];
        for (int l = 0; l < c.Layers; l++)
        {
            k[l] = cache.Keys[l].AsSpan(firstSlot * c.KvDim, n * c.KvDim).ToArray();
            v[l] = cache.Values[l].AsSpan(firstSlot * c.KvDim, n * c.KvDim).ToArray();
        }

        var pos = new int[n];
        for (int i = 0; i < n; i++)
        {
            pos[i] = cache.PositionOf(firstSlot + i);
        }

        byte[] link = baseCartridge is null ? new byte[IdBytes] : baseCartridge.Id.ToArray();
        return new KvCartridge(model.GetFingerprint(), c.Layers, c.KvHeads, c.HeadSize, CartridgeRope.Of(c), [.. tokens], pos, k, v, link, null);
    }

    /// <summary>
    /// The same entries marked trained, with <paramref name="recipe"/> (how they were made) saved alongside. Keys are non-empty
    /// and hold neither '=' nor a line break; values hold no line break (the recipe is stored as "key=value" lines); neither
    /// holds an unpaired UTF-16 surrogate (text cut inside a character), which UTF-8 cannot store.
    /// </summary>
    /// <exception cref="ArgumentException">A key or value cannot be stored.</exception>
    public KvCartridge AsTrained(IReadOnlyDictionary<string, string> recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in recipe)
        {
            if (string.IsNullOrEmpty(key) || key.AsSpan().IndexOfAny('=', '\n', '\r') >= 0 || value is null || value.AsSpan().IndexOfAny('\n', '\r') >= 0)
            {
                throw new ArgumentException($"recipe entry '{key}' cannot be stored: keys need text without '=' or line breaks, values text without line breaks.", nameof(recipe));
            }

            // UTF-8 would write U+FFFD in its place: keys that differ only there collide (the file then fails to load) and values change.
            if (SafeNormalization.FindLoneSurrogate(key, 0) >= 0 || SafeNormalization.FindLoneSurrogate(value, 0) >= 0)
            {
                throw new ArgumentException($"recipe entry '{key}' cannot be stored: it holds an unpaired UTF-16 surrogate (text cut inside a character), which UTF-8 cannot encode.", nameof(recipe));
            }

            sorted[key] = value;
        }

        return new KvCartridge(fingerprint, Layers, KvHeads, HeadSize, rope, tokens, positions, keys, values, baseId, id) { recipe = sorted };
    }

    /// <summary>
    /// True when <paramref name="parts"/> form a chain in order: the first a root, each next one made on top of the previous.
    /// Such parts compose as they were computed; anything else is re-based and approximate. A chain is exact only when its
    /// entries are also complete (<see cref="IsExact"/>): a link made on a compressed root continues the compressed entries.
    /// </summary>
    public static bool IsChain(IReadOnlyList<KvCartridge> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0 || !parts[0].IsRoot)
        {
            return false;
        }

        for (int i = 1; i < parts.Count; i++)
        {
            if (!parts[i].BaseId.SequenceEqual(parts[i - 1].Id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when composing <paramref name="parts"/> equals prefilling their tokens from BOS, so decoding after them is what
    /// generating after their text gives: a chain (<see cref="IsChain"/>) whose parts hold every position from 0 on, none
    /// <see cref="IsCompressed"/> or <see cref="IsTrained"/> (trained entries stand for a corpus, not for their tokens).
    /// </summary>
    public static bool IsExact(IReadOnlyList<KvCartridge> parts)
    {
        if (!IsChain(parts))
        {
            return false;
        }

        int next = 0;
        foreach (var part in parts)
        {
            if (part.IsTrained || part.IsCompressed || (part.Count > 0 && part.positions[0] != next))
            {
                return false;
            }

            next = part.Count > 0 ? part.NextPosition : next;
        }

        return true;
    }

    /// <summary>
    /// True when entries are missing from strictly increasing <paramref name="positions"/>: a gap between two of them, or a
    /// root's first not at 0. Shared by <see cref="IsCompressed"/> and <see cref="KvCartridgeHeader.IsCompressed"/>.
    /// </summary>
    internal static bool MissesEntries(IReadOnlyList<int> positions, bool root) =>
        positions.Count > 0 && (positions[^1] - positions[0] != positions.Count - 1 || (root && positions[0] != 0));

    /// <summary>
    /// Loads the entries into slots 0 .. Count-1 of <paramref name="cache"/> (replacing its contents), keeping their positions,
    /// so decoding continues at <see cref="NextPosition"/> in slot Count.
    /// </summary>
    /// <exception cref="ModelFormatException">The cartridge was made by another model or for another shape.</exception>
    /// <exception cref="ArgumentException">The cartridge holds more entries than the model's (or cache's) context.</exception>
    public void ImportInto(LlamaModel model, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        EnsureFits(fingerprint, Layers, KvHeads, HeadSize, rope, Count, model, cache, "KV cartridge");
        int n = Count * KvDim;
        for (int l = 0; l < Layers; l++)
        {
            keys[l].AsSpan(0, n).CopyTo(cache.Keys[l]);
            values[l].AsSpan(0, n).CopyTo(cache.Values[l]);
        }

        cache.SetPositions(positions);
    }

    /// <summary>
    /// The same entries moved by <paramref name="offset"/> positions. RoPE is a rotation, so a key at p becomes the key at
    /// p + offset by rotating it by offset · freq; values carry no position and are copied. Exact for layer 0; in deeper layers
    /// the entries still reflect the context they were computed in, which is what composition accepts. Moved entries are
    /// <see cref="IsDetached"/> (a moved root no longer starts at BOS's position, a moved link no longer follows its base).
    /// The rotation is the one the cartridge records (<see cref="RopeStyle"/>, <see cref="RopeScaling"/>), or
    /// <paramref name="model"/>'s when given: files written before the style was recorded say llama2.c's whatever the model, so
    /// callers that have the model pass it.
    /// </summary>
    public KvCartridge Rebase(int offset, LlamaConfig? model = null)
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

        var turn = model is null ? rope : CartridgeRope.Of(model);
        var k = new float[Layers][];
        var v = new float[Layers][];
        for (int l = 0; l < Layers; l++)
        {
            k[l] = (float[])keys[l].Clone();
            v[l] = (float[])values[l].Clone();
            if (offset != 0)
            {
                for (int i = 0; i < Count; i++)
                {
                    Kernels.Rope(k[l].AsSpan(i * KvDim, KvDim), offset, HeadSize, turn.Theta, turn.Style, turn.Scaling);
                }
            }
        }

        // Trained entries stay trained wherever they sit.
        return offset == 0
            ? new KvCartridge(fingerprint, Layers, KvHeads, HeadSize, rope, [.. tokens], pos, k, v, (byte[])baseId.Clone(), id) { recipe = recipe }
            : new KvCartridge(fingerprint, Layers, KvHeads, HeadSize, rope, [.. tokens], pos, k, v, (byte[])DetachedId.Clone(), null) { recipe = recipe };
    }

    /// <summary>
    /// Lays <paramref name="parts"/> end to end in one cartridge. A chain (<see cref="IsChain"/>) is laid as is, which is exact.
    /// Otherwise each part is re-based to follow the previous one (the first to start at 0): an approximation, since only layer 0
    /// of an independently computed part is independent of its context. All parts must come from the same model. Re-basing
    /// rotates as the parts record (see <see cref="Rebase"/>); <see cref="Compose(IReadOnlyList{KvCartridge}, LlamaConfig?)"/>
    /// with the model's configuration rotates as the model does, also for files that predate the record.
    /// </summary>
    /// <exception cref="ModelFormatException">The parts come from different models or shapes.</exception>
    public static KvCartridge Compose(params IReadOnlyList<KvCartridge> parts) => Compose(parts, null);

    /// <summary>Throws unless <paramref name="parts"/> (at least one) were all made by the same model, so they can be composed.</summary>
    /// <exception cref="ModelFormatException">The parts come from different models or shapes.</exception>
    public static void EnsureSameModel(IReadOnlyList<KvCartridge> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("nothing to compose.", nameof(parts));
        }

        var first = parts[0];
        foreach (var part in parts)
        {
            if (!part.fingerprint.AsSpan().SequenceEqual(first.fingerprint) || part.Layers != first.Layers || part.KvHeads != first.KvHeads || part.HeadSize != first.HeadSize)
            {
                throw new ModelFormatException("KV cartridges from different models cannot be composed.");
            }
        }
    }

    /// <summary>
    /// <see cref="Compose(IReadOnlyList{KvCartridge})"/> for the model of <paramref name="model"/>: parts that are re-based are
    /// rotated with its RoPE pairs and frequency scaling (see <see cref="Rebase"/>).
    /// </summary>
    /// <exception cref="ModelFormatException">The parts come from different models or shapes.</exception>
    public static KvCartridge Compose(IReadOnlyList<KvCartridge> parts, LlamaConfig? model)
    {
        EnsureSameModel(parts);
        var first = parts[0];

        bool chain = IsChain(parts);
        long total64 = parts.Sum(p => (long)p.Count);
        int kvDim = first.KvDim;

        // Checked in 64 bits: total × kvDim wraps in int (to a short array or a negative size) for long compositions.
        if (total64 * kvDim > Array.MaxLength)
        {
            throw new ArgumentException($"the parts hold {total64} entries together, {total64 * kvDim} floats per layer (kv dim {kvDim}); one array holds at most {Array.MaxLength}.", nameof(parts));
        }

        int total = (int)total64;
        var tokens = new int[total];
        var positions = new int[total];
        var keys = new float[first.Layers][];
        var values = new float[first.Layers][];
        for (int l = 0; l < first.Layers; l++)
        {
            keys[l] = new float[total * kvDim];
            values[l] = new float[total * kvDim];
        }

        int at = 0;
        foreach (var original in parts)
        {
            if (original.Count == 0)
            {
                continue;
            }

            int next = at == 0 ? 0 : positions[at - 1] + 1;
            var part = chain ? original : original.Rebase(next - original.positions[0], model);
            if (at > 0 && part.positions[0] <= positions[at - 1])
            {
                throw new ModelFormatException($"KV cartridge chain positions overlap: a link starts at {part.positions[0]} after {positions[at - 1]}.");
            }

            part.tokens.CopyTo(tokens, at);
            part.positions.CopyTo(positions, at);
            for (int l = 0; l < first.Layers; l++)
            {
                part.keys[l].CopyTo(keys[l], at * kvDim);
                part.values[l].CopyTo(values[l], at * kvDim);
            }

            at += part.Count;
        }

        // A chain is as good as a root prefilled from BOS (a compressed one stays IsCompressed by its positions); anything else is detached.
        byte[] link = chain ? new byte[IdBytes] : (byte[])DetachedId.Clone();
        var composed = new KvCartridge(first.fingerprint, first.Layers, first.KvHeads, first.HeadSize, first.rope, tokens, positions, keys, values, link, null);
        if (!parts.Any(p => p.IsTrained))
        {
            return composed;
        }

        // A composition with trained parts is trained: its recipe keeps each trained part's, prefixed by the part's index.
        var recipe = new Dictionary<string, string>(StringComparer.Ordinal) { ["composed_parts"] = parts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        for (int i = 0; i < parts.Count; i++)
        {
            foreach (var (key, value) in parts[i].Recipe)
            {
                recipe[string.Create(System.Globalization.CultureInfo.InvariantCulture, $"part{i}.{key}")] = value;
            }
        }

        return composed.AsTrained(recipe);
    }

    /// <summary>
    /// Writes the cartridge to <paramref name="path"/> crash-safely: into a temporary file beside it, flushed to disk, then
    /// renamed over the name, so a reader (or a restart after a crash) sees the old file or the whole new one, never half.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The cartridge exceeds a limit that <see cref="Load"/> enforces (a recipe over 1 MiB, over 2^24 entries, over 4,096 layers
    /// or kv heads, a head size over 16,384, a layer's keys over 2 GiB, or an unusable RoPE scaling); nothing is written.
    /// </exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        EnsureReadable(RecipeBytes()); // before the temporary file exists
        CrashSafeFile.Write(path, WriteTo);
    }

    /// <summary>Writes the cartridge to <paramref name="stream"/> (header, arrays and checksum, without an intermediate copy of the payload).</summary>
    /// <exception cref="ArgumentException">The cartridge exceeds a limit of the format (see <see cref="Save"/>); nothing is written.</exception>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] recipeBytes = RecipeBytes();
        EnsureReadable(recipeBytes);
        var file = new ChecksummedStream(stream);
        Span<byte> header = stackalloc byte[V3HeaderBytes];
        Magic.CopyTo(header);
        int o = Magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(header[o..], FormatVersion);
        o += 4;
        fingerprint.CopyTo(header[o..]);
        o += FingerprintBytes;
        foreach (int value in (ReadOnlySpan<int>)[Layers, KvHeads, HeadSize, 0])
        {
            BinaryPrimitives.WriteInt32LittleEndian(header[o..], value);
            o += 4;
        }

        BinaryPrimitives.WriteSingleLittleEndian(header[o..], RopeTheta);
        BinaryPrimitives.WriteInt32LittleEndian(header[(o + 4)..], rope.Style == RopeStyle.Half ? 1 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(header[(o + 8)..], Count);
        o += 12;
        Id.CopyTo(header[o..]);
        o += IdBytes;
        baseId.CopyTo(header[o..]);
        o += IdBytes;
        BinaryPrimitives.WriteInt32LittleEndian(header[o..], (IsTrained ? TrainedFlag : 0) | (rope.Scaling is null ? 0 : RopeScalingFlag));
        BinaryPrimitives.WriteInt32LittleEndian(header[(o + 4)..], recipeBytes.Length);
        file.Write(header);
        if (rope.Scaling is { } scaling)
        {
            Span<byte> block = stackalloc byte[RopeScalingBytes];
            BinaryPrimitives.WriteDoubleLittleEndian(block, scaling.Factor);
            BinaryPrimitives.WriteDoubleLittleEndian(block[8..], scaling.LowFrequencyFactor);
            BinaryPrimitives.WriteDoubleLittleEndian(block[16..], scaling.HighFrequencyFactor);
            BinaryPrimitives.WriteInt32LittleEndian(block[24..], scaling.OriginalContext);
            BinaryPrimitives.WriteInt32LittleEndian(block[28..], 0);
            file.Write(block);
        }

        file.Write(recipeBytes);
        file.Write(MemoryMarshal.AsBytes(tokens.AsSpan()));
        file.Write(MemoryMarshal.AsBytes(positions.AsSpan()));
        foreach (var layer in PayloadLayers)
        {
            file.Write(MemoryMarshal.AsBytes(layer.AsSpan()));
        }

        file.WriteChecksum();
    }

    /// <summary>Reads a cartridge from <paramref name="path"/> with large reads straight into its arrays, checksumming as it reads.</summary>
    /// <exception cref="ModelFormatException">No file at the path (missing, or a folder), wrong magic or version, truncated,
    /// inconsistent or failing its checksum.</exception>
    public static KvCartridge Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new ChecksummedFile(path);
        var h = ReadHeader(file, path);
        var (recipe, tokens, positions) = ReadTokens(file, h, path);
        int n = h.LayerFloats;
        var k = new float[h.Layers][];
        var v = new float[h.Layers][];
        for (int l = 0; l < h.Layers; l++)
        {
            k[l] = GC.AllocateUninitializedArray<float>(n);
            file.Read(MemoryMarshal.AsBytes(k[l].AsSpan()));
        }

        for (int l = 0; l < h.Layers; l++)
        {
            v[l] = GC.AllocateUninitializedArray<float>(n);
            file.Read(MemoryMarshal.AsBytes(v[l].AsSpan()));
        }

        file.VerifyChecksum();
        return new KvCartridge(h.Fingerprint, h.Layers, h.KvHeads, h.HeadSize, h.Rope, tokens, positions, k, v, h.BaseId, h.Id) { recipe = recipe };
    }

    /// <summary>
    /// Reads the cartridge at <paramref name="path"/> straight into slots 0 .. Count-1 of <paramref name="cache"/> (the fastest way
    /// to resume: no copy of the payload is kept), after checking it fits <paramref name="model"/>. Returns its tokens and positions.
    /// A file that does not fit leaves the cache untouched; one that fails while reading leaves it empty. A file that does not
    /// seem to fit is read to its end and checksummed first, so a damaged header is reported as corrupt, not as another model's.
    /// </summary>
    /// <exception cref="ModelFormatException">No file at the path (missing, or a folder), malformed, corrupt, or made by another
    /// model or for another shape.</exception>
    /// <exception cref="ArgumentException">The cartridge holds more entries than the model's (or cache's) context.</exception>
    public static KvCartridgeHeader LoadInto(string path, LlamaModel model, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        using var file = new ChecksummedFile(path);
        var h = ReadHeader(file, path);
        try
        {
            EnsureFits(h.Fingerprint, h.Layers, h.KvHeads, h.HeadSize, h.Rope, h.Count, model, cache, path);
        }
        catch (Exception ex) when (ex is ModelFormatException or ArgumentException)
        {
            // The fit is checked before the checksum can be, and a damaged header reads as another model's or another
            // shape: the rest of the file, read and dropped, tells a corrupt file (the checksum error then wins) from a foreign one.
            file.VerifyRest();
            throw;
        }

        var (recipe, tokens, positions) = ReadTokens(file, h, path);
        cache.Clear();
        int n = h.LayerFloats;
        for (int l = 0; l < h.Layers; l++)
        {
            file.Read(MemoryMarshal.AsBytes(cache.Keys[l].AsSpan(0, n)));
        }

        for (int l = 0; l < h.Layers; l++)
        {
            file.Read(MemoryMarshal.AsBytes(cache.Values[l].AsSpan(0, n)));
        }

        file.VerifyChecksum();
        cache.SetPositions(positions);
        return new KvCartridgeHeader(h.Version, tokens, positions, h.Id, h.BaseId) { IsTrained = recipe is not null, Recipe = recipe ?? EmptyRecipe };
    }

    /// <summary>Reads only the header, tokens and positions of the cartridge at <paramref name="path"/> (no payload, no checksum).</summary>
    /// <exception cref="ModelFormatException">No file at the path (missing, or a folder), wrong magic or version, or inconsistent
    /// sizes.</exception>
    public static KvCartridgeHeader Inspect(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new ChecksummedFile(path);
        var h = ReadHeader(file, path);
        var (recipe, tokens, positions) = ReadTokens(file, h, path);
        return new KvCartridgeHeader(h.Version, tokens, positions, h.Id, h.BaseId)
        {
            IsTrained = recipe is not null,
            Recipe = recipe ?? EmptyRecipe,
            Layers = h.Layers,
            KvHeads = h.KvHeads,
            HeadSize = h.HeadSize,
            RopeStyle = h.Rope.Style,
            RopeScaling = h.Rope.Scaling,
            Fingerprint = Convert.ToHexStringLower(h.Fingerprint),
            FileBytes = file.Length,
        };
    }

    /// <summary>Parses a cartridge from its bytes; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ModelFormatException">Wrong magic or version, truncated, inconsistent or failing its checksum.</exception>
    public static KvCartridge Read(ReadOnlySpan<byte> data, string source = "KV cartridge")
    {
        var h = ParseHeader(data[..Math.Min(data.Length, V3HeaderBytes + RopeScalingBytes)], data.Length, source);
        var (stored, actual) = ChecksummedStream.ReadTrailer(data);
        if (stored != actual)
        {
            throw ChecksumMismatch(source, stored, actual);
        }

        int o = h.HeaderBytes;
        var recipe = h.IsTrained ? ParseRecipe(data.Slice(o, h.RecipeBytes), source) : null;
        o += h.RecipeBytes;
        int[] tokens = MemoryMarshal.Cast<byte, int>(data.Slice(o, h.Count * 4)).ToArray();
        o += h.Count * 4;
        int[] positions = MemoryMarshal.Cast<byte, int>(data.Slice(o, h.Count * 4)).ToArray();
        o += h.Count * 4;
        EnsureIncreasing(positions, source);
        int layerBytes = h.LayerFloats * sizeof(float);
        var k = new float[h.Layers][];
        var v = new float[h.Layers][];
        for (int l = 0; l < h.Layers; l++)
        {
            k[l] = MemoryMarshal.Cast<byte, float>(data.Slice(o, layerBytes)).ToArray();
            o += layerBytes;
        }

        for (int l = 0; l < h.Layers; l++)
        {
            v[l] = MemoryMarshal.Cast<byte, float>(data.Slice(o, layerBytes)).ToArray();
            o += layerBytes;
        }

        return new KvCartridge(h.Fingerprint, h.Layers, h.KvHeads, h.HeadSize, h.Rope, tokens, positions, k, v, h.BaseId, h.Id) { recipe = recipe };
    }

    private static void EnsureFits(byte[] fingerprint, int layers, int kvHeads, int headSize, CartridgeRope rope, int count, LlamaModel model, KvCache cache, string source)
    {
        var c = model.Config;
        if (!CryptographicOperations.FixedTimeEquals(fingerprint, model.GetFingerprint()))
        {
            // In full and in inspect's spelling: cut to a prefix, fingerprints that differ further on read as identical.
            throw new ModelFormatException($"{source}: KV cartridge was made by another model (fingerprint {Convert.ToHexStringLower(fingerprint)}, this model {Convert.ToHexStringLower(model.GetFingerprint())}).");
        }

        if (layers != c.Layers || kvHeads != c.KvHeads || headSize != c.HeadSize || !rope.Fits(c)
            || cache.Config.Layers != c.Layers || cache.Config.KvDim != c.KvDim)
        {
            throw new ModelFormatException($"{source}: KV cartridge shape (layers {layers}, kv heads {kvHeads}, head size {headSize}) does not fit the model or cache.");
        }

        // Not a format error: the same cartridge fits the model loaded with a larger context (a capped model keeps its fingerprint).
        int context = Math.Min(c.SeqLen, cache.Config.SeqLen);
        if (count > context)
        {
            throw new ArgumentException($"{source}: the cartridge's {count} entries exceed the model's context of {context}; load the model with a larger context or compress the cartridge to fewer entries.");
        }
    }

    private static Header ReadHeader(ChecksummedFile file, string source)
    {
        Span<byte> head = stackalloc byte[V3HeaderBytes + RopeScalingBytes];
        int available = (int)Math.Min(file.Length, V1HeaderBytes);
        file.Read(head[..available]);
        if (available == V1HeaderBytes)
        {
            // The rest of the header as long as the version says (unknown versions are refused by ParseHeader).
            int version = BinaryPrimitives.ReadInt32LittleEndian(head[8..]);
            int wanted = version == 2 ? V2HeaderBytes : version == 3 ? V3HeaderBytes : V1HeaderBytes;
            int more = (int)Math.Min(wanted, file.Length) - V1HeaderBytes;
            if (more > 0)
            {
                file.Read(head.Slice(V1HeaderBytes, more));
                available += more;
            }

            // The scaling block follows the fixed header when the flags say so.
            if (version == 3 && available == V3HeaderBytes && (BinaryPrimitives.ReadInt32LittleEndian(head[V2HeaderBytes..]) & RopeScalingFlag) != 0
                && file.Length >= V3HeaderBytes + RopeScalingBytes)
            {
                file.Read(head.Slice(V3HeaderBytes, RopeScalingBytes));
                available += RopeScalingBytes;
            }
        }

        return ParseHeader(head[..available], file.Length, source);
    }

    private static (SortedDictionary<string, string>? Recipe, int[] Tokens, int[] Positions) ReadTokens(ChecksummedFile file, Header h, string source)
    {
        SortedDictionary<string, string>? recipe = null;
        if (h.RecipeBytes > 0 || h.IsTrained)
        {
            var bytes = new byte[h.RecipeBytes];
            file.Read(bytes);
            recipe = ParseRecipe(bytes, source);
        }

        var tokens = new int[h.Count];
        var positions = new int[h.Count];
        file.Read(MemoryMarshal.AsBytes(tokens.AsSpan()));
        file.Read(MemoryMarshal.AsBytes(positions.AsSpan()));
        EnsureIncreasing(positions, source);
        return (recipe, tokens, positions);
    }

    private static SortedDictionary<string, string> ParseRecipe(ReadOnlySpan<byte> bytes, string source)
    {
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new ModelFormatException($"{source}: the trained KV cartridge's recipe is not valid UTF-8.");
        }

        var recipe = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !recipe.TryAdd(line[..eq], line[(eq + 1)..]))
            {
                throw new ModelFormatException($"{source}: the trained KV cartridge's recipe has a malformed or repeated entry '{line}'.");
            }
        }

        return recipe;
    }

    /// <summary>Throws when the cartridge holds what the reader refuses, so that a file that saves also loads.</summary>
    private void EnsureReadable(byte[] recipeBytes)
    {
        if (recipeBytes.Length > MaxRecipeBytes)
        {
            throw new ArgumentException($"A KV cartridge file holds a recipe of at most {MaxRecipeBytes} UTF-8 bytes; this one's is {recipeBytes.Length}.");
        }

        if (Layers > MaxLayers || KvHeads > MaxKvHeads || HeadSize > MaxHeadSize || Count > MaxCount || (long)Count * KvDim * sizeof(float) > int.MaxValue)
        {
            throw new ArgumentException($"A KV cartridge file holds at most {MaxLayers} layers, {MaxKvHeads} kv heads, head size {MaxHeadSize}, {MaxCount} entries and 2 GiB of keys per layer; this cartridge has {Layers} layers, {KvHeads} kv heads, head size {HeadSize}, {Count} entries.");
        }

        rope.Scaling?.Validate();
        for (int i = 0; i < positions.Length; i++)
        {
            if (positions[i] < 0 || (i > 0 && positions[i] <= positions[i - 1]))
            {
                throw new ArgumentException($"KV cartridge positions must be non-negative and strictly increasing to be saved; entry {i} is {positions[i]}.");
            }
        }
    }

    // The recipe as UTF-8 "key=value" lines in key order (empty when not trained).
    private byte[] RecipeBytes() =>
        recipe is null ? [] : System.Text.Encoding.UTF8.GetBytes(string.Concat(recipe.Select(e => $"{e.Key}={e.Value}\n")));

    private static Header ParseHeader(ReadOnlySpan<byte> data, long length, string source)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("KV cartridges are little-endian; this platform is not.");
        }

        if (data.Length < V1HeaderBytes || length < V1HeaderBytes + 4 || !data[..Magic.Length].SequenceEqual(Magic))
        {
            throw new ModelFormatException($"{source}: not a KV cartridge (bad magic or too short).");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        if (version is not (1 or 2 or FormatVersion))
        {
            throw new ModelFormatException($"{source}: KV cartridge format version {version}; this build reads versions 1 to {FormatVersion}.");
        }

        int headerBytes = version switch { 1 => V1HeaderBytes, 2 => V2HeaderBytes, _ => V3HeaderBytes };
        if (data.Length < headerBytes)
        {
            throw new ModelFormatException($"{source}: KV cartridge header is truncated.");
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
        if (layers <= 0 || kvHeads <= 0 || headSize <= 0 || count < 0 || layers > MaxLayers || kvHeads > MaxKvHeads || headSize > MaxHeadSize || count > MaxCount)
        {
            throw new ModelFormatException($"{source}: implausible KV cartridge header (layers {layers}, kv heads {kvHeads}, head size {headSize}, count {count}).");
        }

        // Two checks, two messages: one naming both fields blamed a valid RoPE style for a bad dtype.
        if (dtype != 0)
        {
            throw new ModelFormatException($"{source}: KV cartridge dtype {dtype} is not supported; this build reads dtype 0 (float32) only.");
        }

        if (ropeStyle is not (0 or 1))
        {
            throw new ModelFormatException($"{source}: KV cartridge RoPE style {ropeStyle} is not supported; this build reads style 0 (adjacent pairs) and 1 (halves).");
        }

        byte[]? id = null;
        byte[] baseId = new byte[IdBytes];
        if (version >= 2)
        {
            id = data.Slice(o, IdBytes).ToArray();
            baseId = data.Slice(o + IdBytes, IdBytes).ToArray();
        }

        int flags = 0, recipeBytes = 0;
        if (version >= 3)
        {
            flags = BinaryPrimitives.ReadInt32LittleEndian(data[(o + (2 * IdBytes))..]);
            recipeBytes = BinaryPrimitives.ReadInt32LittleEndian(data[(o + (2 * IdBytes) + 4)..]);
            if ((flags & ~(TrainedFlag | RopeScalingFlag)) != 0)
            {
                throw new ModelFormatException($"{source}: KV cartridge has unknown flags {flags:x8}; a newer build wrote it.");
            }

            if (recipeBytes < 0 || recipeBytes > MaxRecipeBytes || (recipeBytes > 0 && (flags & TrainedFlag) == 0))
            {
                throw new ModelFormatException($"{source}: KV cartridge recipe length {recipeBytes} is implausible or belongs to no trained cartridge.");
            }
        }

        RopeScaling? scaling = null;
        if ((flags & RopeScalingFlag) != 0)
        {
            scaling = ParseScaling(data, length, source);
            headerBytes += RopeScalingBytes;
        }

        // Each layer's keys (and values) are one array read as one span of bytes, so its size must fit an int; checked first,
        // since the file's total in 64 bits wraps for headers within the limits above (2^64 bytes reads as 0).
        int kvDim = kvHeads * headSize;
        long layerBytes = (long)count * kvDim * sizeof(float);
        if (layerBytes > int.MaxValue)
        {
            throw new ModelFormatException($"{source}: KV cartridge header (layers {layers}, kv heads {kvHeads}, head size {headSize}, count {count}) needs {layerBytes} bytes per layer; a layer holds at most 2 GiB.");
        }

        long total = TotalBytes(version, layers, kvDim, count, recipeBytes, scaling is not null);
        if (length != total)
        {
            throw new ModelFormatException($"{source}: KV cartridge is {length} bytes but its header needs {total}; truncated or corrupt.");
        }

        var rope = new CartridgeRope(theta, ropeStyle == 1 ? RopeStyle.Half : RopeStyle.Interleaved, scaling);
        return new Header(version, headerBytes, fp, layers, kvHeads, headSize, rope, count, id, baseId, (flags & TrainedFlag) != 0, recipeBytes);
    }

    private static RopeScaling ParseScaling(ReadOnlySpan<byte> data, long length, string source)
    {
        if (data.Length < V3HeaderBytes + RopeScalingBytes || length < V3HeaderBytes + RopeScalingBytes + 4)
        {
            throw new ModelFormatException($"{source}: KV cartridge header is truncated (its RoPE scaling is cut off).");
        }

        var block = data.Slice(V3HeaderBytes, RopeScalingBytes);
        return new RopeScaling(
            BinaryPrimitives.ReadDoubleLittleEndian(block),
            BinaryPrimitives.ReadDoubleLittleEndian(block[8..]),
            BinaryPrimitives.ReadDoubleLittleEndian(block[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(block[24..])).ValidatedFrom($"{source}: KV cartridge has an unusable RoPE scaling");
    }

    private static void EnsureIncreasing(int[] positions, string source)
    {
        for (int i = 0; i < positions.Length; i++)
        {
            if (positions[i] < 0 || (i > 0 && positions[i] <= positions[i - 1]))
            {
                throw new ModelFormatException($"{source}: KV cartridge positions must be non-negative and strictly increasing; entry {i} is {positions[i]}.");
            }
        }
    }

    private static ModelFormatException ChecksumMismatch(string source, uint stored, uint actual) =>
        new($"{source}: KV cartridge checksum mismatch (stored {stored:x8}, computed {actual:x8}); the file is corrupt.");

    // Checked: a size that does not fit a long must fail, not wrap to one a short file can match.
    private static long TotalBytes(int version, int layers, int kvDim, int count, int recipeBytes, bool ropeScaling) => checked(
        (version switch { 1 => V1HeaderBytes, 2 => V2HeaderBytes, _ => V3HeaderBytes }) + (ropeScaling ? RopeScalingBytes : 0) + recipeBytes
        + (8L * count) + (2L * layers * count * kvDim * 4) + 4);

    // The order the file stores the layers in and the id hashes them in: every layer's keys, then every layer's values.
    private IEnumerable<float[]> PayloadLayers => keys.Concat(values);

    private byte[] ComputeId()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(fingerprint);
        Span<int> shape = [Layers, KvHeads, HeadSize, BitConverter.SingleToInt32Bits(RopeTheta), Count];
        sha.AppendData(MemoryMarshal.AsBytes(shape));
        sha.AppendData(baseId);
        sha.AppendData(MemoryMarshal.AsBytes(tokens.AsSpan()));
        sha.AppendData(MemoryMarshal.AsBytes(positions.AsSpan()));
        foreach (var layer in PayloadLayers)
        {
            sha.AppendData(MemoryMarshal.AsBytes(layer.AsSpan()));
        }

        return sha.GetHashAndReset();
    }

    private sealed record Header(int Version, int HeaderBytes, byte[] Fingerprint, int Layers, int KvHeads, int HeadSize, CartridgeRope Rope, int Count, byte[]? Id, byte[] BaseId, bool IsTrained, int RecipeBytes)
    {
        public int KvDim => KvHeads * HeadSize;

        /// <summary>Floats in one layer's keys (or values); <see cref="ParseHeader"/> checked that their bytes fit an int.</summary>
        public int LayerFloats => Count * KvDim;
    }

    /// <summary>How the keys were rotated: the model's RoPE base, pairs and frequency scaling.</summary>
    private sealed record CartridgeRope(float Theta, RopeStyle Style, RopeScaling? Scaling)
    {
        public static CartridgeRope Of(LlamaConfig c) => new(c.RopeBase, c.RopeStyle, c.RopeScaling);

        // Files from before the style was recorded say adjacent pairs and no scaling for every model; the fingerprint,
        // checked first, is what binds them to their model.
        public bool Fits(LlamaConfig c) =>
            Theta == c.RopeBase && ((Style == RopeStyle.Interleaved && Scaling is null) || (Style == c.RopeStyle && Equals(Scaling, c.RopeScaling)));
    }

    /// <summary>
    /// A cartridge file read front to back through <see cref="ChecksummedStream"/> (unbuffered: the payload's large reads
    /// go straight into the caller's arrays, a few MiB at a time), with errors that name the file.
    /// </summary>
    private sealed class ChecksummedFile : IDisposable
    {
        private readonly FileStream stream;
        private readonly ChecksummedStream checksummed;
        private readonly string path;

        public ChecksummedFile(string path)
        {
            this.path = path;
            stream = PayloadFile.Open(path, "KV cartridge", p => new FileStream(p, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan));
            checksummed = new ChecksummedStream(stream);
            Length = stream.Length;
        }

        public long Length { get; }

        public void Read(Span<byte> destination)
        {
            try
            {
                for (int at = 0; at < destination.Length; at += ReadChunkBytes)
                {
                    checksummed.Read(destination.Slice(at, Math.Min(ReadChunkBytes, destination.Length - at)));
                }
            }
            catch (EndOfStreamException)
            {
                throw new ModelFormatException($"{path}: KV cartridge is truncated at byte {stream.Position}.");
            }
        }

        /// <summary>Reads the rest of the payload without keeping it, then verifies the checksum.</summary>
        public void VerifyRest()
        {
            long left = Length - sizeof(uint) - stream.Position;
            byte[] scratch = new byte[(int)Math.Clamp(left, 0, ReadChunkBytes)];
            for (; left > 0; left -= scratch.Length)
            {
                Read(scratch.AsSpan(0, (int)Math.Min(left, scratch.Length)));
            }

            VerifyChecksum();
        }

        public void VerifyChecksum()
        {
            if (stream.Position + sizeof(uint) != Length)
            {
                throw new ModelFormatException($"{path}: KV cartridge is truncated or has trailing bytes.");
            }

            uint stored = checksummed.ReadChecksum();
            if (stored != checksummed.Checksum)
            {
                throw ChecksumMismatch(path, stored, checksummed.Checksum);
            }
        }

        public void Dispose() => stream.Dispose();
    }
}
