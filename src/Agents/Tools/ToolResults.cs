namespace AgentMem.Agents.Tools;

/// <summary>One ranked memory returned by <c>memory_search</c>.</summary>
/// <param name="Id">The memory id (26-character ULID).</param>
/// <param name="Text">The memory's text; for a long memory, the passage that matched, between "…" marks.</param>
/// <param name="Speaker">Who said or wrote it, if known.</param>
/// <param name="Date">When the event happened, if known: its day (yyyy-MM-dd) when it is midnight at the offset it was given with (a date given alone is kept as midnight UTC), else the instant at that offset (yyyy-MM-ddTHH:mm:ss±hh:mm, or Z for UTC).</param>
/// <param name="Score">Relevance; larger is better, comparable only within one result list.</param>
public sealed record MemoryHitResult(string Id, string Text, string? Speaker, string? Date, double Score)
{
    /// <summary>Characters in the whole memory when <see cref="Text"/> is a passage or the beginning of it; null when it is the whole text.</summary>
    public int? FullLength { get; init; }
}

/// <summary>What <c>memory_add</c> returns.</summary>
/// <param name="Id">The id of the memory (the existing one when the same content was already stored).</param>
/// <param name="Created">False when the content was already in the cube.</param>
public sealed record MemoryAddResult(string Id, bool Created);

/// <summary>One version of a memory, as <c>memory_update</c> and <c>memory_history</c> return it.</summary>
/// <param name="Id">The memory id (shared by all versions).</param>
/// <param name="Version">Version number, from 1.</param>
/// <param name="Text">The text of this version.</param>
/// <param name="State">Lifecycle state: Active, Superseded, Deleted, ...</param>
/// <param name="Reason">Why this version was superseded or deleted, if recorded.</param>
/// <param name="UpdatedAt">When this version was written (ISO 8601).</param>
public sealed record MemoryVersionResult(string Id, int Version, string Text, string State, string? Reason, string UpdatedAt)
{
    /// <summary>Characters in the whole version when <see cref="Text"/> is its beginning only (a long text is cut); null when whole.</summary>
    public int? FullLength { get; init; }
}

/// <summary>What <c>memory_history</c> returns: the latest <see cref="MemoryTools.MaxListedItems"/> versions at most, oldest first.</summary>
/// <param name="Id">The memory id.</param>
/// <param name="Versions">The versions listed.</param>
/// <param name="Total">How many versions the memory has (more than listed when its history is long).</param>
public sealed record MemoryHistoryResult(string Id, IReadOnlyList<MemoryVersionResult> Versions, int Total);

/// <summary>What <c>memory_delete</c> returns.</summary>
/// <param name="Id">The memory id.</param>
/// <param name="Purged">True when the memory was removed for good; false for a soft delete (tombstone version).</param>
/// <param name="Version">The tombstone's version after a soft delete; null after a purge.</param>
public sealed record MemoryDeleteResult(string Id, bool Purged, int? Version)
{
    /// <summary>
    /// After a purge, how many cartridge or adapter files computed from the erased memories could not be deleted and still
    /// hold their text; null when none. The purge is committed all the same (running it again finds nothing): the host's log,
    /// not this result, names the files for an operator to delete.
    /// </summary>
    public int? FilesLeft { get; init; }

    /// <summary>
    /// After a purge, what was left behind in words (files not deleted, an index that could not drop what it derived from the
    /// erased memories); null when nothing was. Like <see cref="FilesLeft"/>, it never names a path.
    /// </summary>
    public string? LeftBehind { get; init; }
}

/// <summary>One typed link between two memories.</summary>
/// <param name="Id">The memory at the other end of the link.</param>
/// <param name="Type">The relation, e.g. related, supports, contradicts, follows.</param>
/// <param name="Weight">Strength of the relation, 0..1.</param>
/// <param name="Text">The other memory's text when it is live (active or frozen) and in the same cube; null when it was deleted, archived, superseded or purged, or is in another cube.</param>
public sealed record MemoryLinkResult(string Id, string Type, double Weight, string? Text)
{
    /// <summary>Characters in the other memory's whole text when <see cref="Text"/> is its beginning only; null when whole.</summary>
    public int? FullLength { get; init; }

    /// <summary>
    /// True when an outgoing link's target is in another cube than the one the tools are bound to: it is listed by id, type and
    /// weight only, as the tools give nothing else of another cube. Null for a target in the same cube (and for one purged).
    /// </summary>
    public bool? InOtherCube { get; init; }
}

/// <summary>What <c>memory_links</c> returns.</summary>
/// <param name="Id">The memory asked about.</param>
/// <param name="Outgoing">Links from this memory to others.</param>
/// <param name="Incoming">Links from other memories of the same cube to this one.</param>
public sealed record MemoryLinksResult(string Id, IReadOnlyList<MemoryLinkResult> Outgoing, IReadOnlyList<MemoryLinkResult> Incoming)
{
    /// <summary>True when the memory has more outgoing links than the <see cref="MemoryTools.MaxListedItems"/> listed.</summary>
    public bool MoreOutgoing { get; init; }

    /// <summary>True when more memories link to it than the <see cref="MemoryTools.MaxListedItems"/> listed.</summary>
    public bool MoreIncoming { get; init; }
}

/// <summary>What <c>core_memory_append</c> and <c>core_memory_replace</c> return: the block after the edit.</summary>
/// <param name="Name">The block's name.</param>
/// <param name="Text">The block's whole text now.</param>
/// <param name="Chars">Characters in the block now.</param>
/// <param name="Limit">Most characters the block may hold.</param>
/// <param name="Version">The block memory's version after the edit.</param>
public sealed record CoreBlockResult(string Name, string Text, int Chars, int Limit, int Version);
