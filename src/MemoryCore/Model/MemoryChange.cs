namespace AgentMem.MemoryCore.Model;

/// <summary>
/// A partial update: null members keep the current value. Every update that changes something writes a new version.
/// </summary>
public sealed record MemoryChange
{
    /// <summary>New text, or null to keep it.</summary>
    public string? Text { get; init; }

    /// <summary>New tags, or null to keep them.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>New keywords, or null to keep them.</summary>
    public IReadOnlyList<string>? Keywords { get; init; }

    /// <summary>New context sentence, or null to keep it.</summary>
    public string? Context { get; init; }

    /// <summary>New importance, or null to keep it.</summary>
    public double? Importance { get; init; }

    /// <summary>New event start, or null to keep it.</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>New event end, or null to keep it.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>
    /// New links, or null to keep them. A link to a memory that is not stored (a mistyped id, one purged, one of another
    /// tenant), or to one in a cube the writer may not read (told in the same words), refuses the update with
    /// <see cref="Errors.MemoryValidationException"/>.
    /// </summary>
    public IReadOnlyList<MemoryLink>? Links { get; init; }

    /// <summary>Why the memory changed; recorded on the superseded version and in the audit log.</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// The version the change was made from (null: any). When the memory has moved on since, the update is refused with a
    /// <see cref="Errors.MemoryStateException"/> instead of overwriting what another writer stored: a read-modify-write
    /// (appending to a text) from two processes loses neither. Without it, a change that meets another writer's between
    /// its read and its write is made again on the version that writer stored.
    /// </summary>
    public int? ExpectedVersion { get; init; }
}
