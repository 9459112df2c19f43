namespace AgentMem.ModelHost;

/// <summary>What a cartridge file says about itself without its payload: version, tokens, positions and chain ids.</summary>
/// <param name="Version">The file's format version.</param>
/// <param name="Tokens">The token of each entry.</param>
/// <param name="Positions">The RoPE position of each entry (strictly increasing).</param>
/// <param name="Id">Lower-case hex <see cref="KvCartridge.Id"/>; null for a version-1 file, which does not store it.</param>
/// <param name="BaseId">Lower-case hex <see cref="KvCartridge.BaseId"/> (all zeros for a root).</param>
public sealed record KvCartridgeHeader(int Version, IReadOnlyList<int> Tokens, IReadOnlyList<int> Positions, string? Id, string BaseId)
{
    internal KvCartridgeHeader(int version, int[] tokens, int[] positions, byte[]? id, byte[] baseId)
        : this(version, tokens, positions, id is null ? null : Convert.ToHexStringLower(id), Convert.ToHexStringLower(baseId))
    {
    }

    /// <summary>Number of entries.</summary>
    public int Count => Tokens.Count;

    /// <summary>The position a continuation starts at.</summary>
    public int NextPosition => Count == 0 ? 0 : Positions[^1] + 1;

    /// <summary>True when the entries were computed from BOS (possibly compressed since: <see cref="IsCompressed"/>), not on top of a base.</summary>
    public bool IsRoot => BaseId.All(c => c == '0');

    /// <summary>True when entries are missing, dropped by compression (<see cref="KvCartridge.IsCompressed"/>): decoding after them is approximate.</summary>
    public bool IsCompressed => KvCartridge.MissesEntries(Positions, IsRoot);

    /// <summary>True when the entries were moved or composed approximately (<see cref="KvCartridge.IsDetached"/>).</summary>
    public bool IsDetached => BaseId.All(c => c == 'f');

    /// <summary>True for a trained (self-study) cartridge, whose entries stand for a corpus (<see cref="KvCartridge.IsTrained"/>).</summary>
    public bool IsTrained { get; init; }

    /// <summary>How a trained cartridge was made; empty otherwise.</summary>
    public IReadOnlyDictionary<string, string> Recipe { get; init; } = new Dictionary<string, string>();

    /// <summary>Number of transformer layers (set by <see cref="KvCartridge.Inspect"/>).</summary>
    public int Layers { get; init; }

    /// <summary>Number of key/value heads (set by <see cref="KvCartridge.Inspect"/>).</summary>
    public int KvHeads { get; init; }

    /// <summary>Width of one head (set by <see cref="KvCartridge.Inspect"/>).</summary>
    public int HeadSize { get; init; }

    /// <summary>Which pairs RoPE rotated (set by <see cref="KvCartridge.Inspect"/>; see <see cref="KvCartridge.RopeStyle"/>).</summary>
    public RopeStyle RopeStyle { get; init; }

    /// <summary>The RoPE frequency scaling the keys were rotated with, or null (set by <see cref="KvCartridge.Inspect"/>).</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Lower-case hex fingerprint of the model that made it (set by <see cref="KvCartridge.Inspect"/>).</summary>
    public string? Fingerprint { get; init; }

    /// <summary>Size of the file in bytes (set by <see cref="KvCartridge.Inspect"/>).</summary>
    public long FileBytes { get; init; }
}
