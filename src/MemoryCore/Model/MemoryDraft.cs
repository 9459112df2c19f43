namespace AgentMem.MemoryCore.Model;

/// <summary>
/// What a caller supplies to add a memory; the facade fills in id, hash, version, timestamps and state.
/// </summary>
public sealed record MemoryDraft
{
    /// <summary>Creates a plaintext draft.</summary>
    public MemoryDraft(string text) => Text = text;

    /// <summary>The text (or a description, for binary kinds).</summary>
    public string Text { get; init; }

    /// <summary>The memory kind; binary kinds need a <see cref="Payload"/>.</summary>
    public MemoryKind Kind { get; init; } = MemoryKind.Plaintext;

    /// <summary>The binary payload for activation and parametric memories.</summary>
    public PayloadRef? Payload { get; init; }

    /// <summary>The source kind; defaults to a conversation.</summary>
    public SourceKind Source { get; init; } = SourceKind.Conversation;

    /// <summary>A reference inside the source, such as a dialogue turn id.</summary>
    public string? SourceRef { get; init; }

    /// <summary>Who said or wrote it.</summary>
    public string? Actor { get; init; }

    /// <summary>Session the memory belongs to, overriding the acting scope's session.</summary>
    public string? Session { get; init; }

    /// <summary>
    /// Event time from which the fact holds (e.g. the date of the conversation). Default: when it is stored, or
    /// <see cref="ValidTo"/> when that is earlier (a fact that ended in the past); one given after <see cref="ValidTo"/> is refused.
    /// </summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>Event time until which the fact holds.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>Labels.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Salient terms.</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>A sentence of context.</summary>
    public string? Context { get; init; }

    /// <summary>Importance 0..1.</summary>
    public double Importance { get; init; } = 0.5;

    /// <summary>
    /// Links to memories of the tenant the writer may read. A link to a memory that is not stored (a mistyped id, one
    /// purged, one of another tenant), or to one in a cube the writer may not read (told in the same words), refuses the
    /// add with <see cref="Errors.MemoryValidationException"/>.
    /// </summary>
    public IReadOnlyList<MemoryLink> Links { get; init; } = [];

    /// <summary>
    /// Why the memory is written, when the writer decided it (a scheduler's promotion): kept as the first version's
    /// <see cref="MemoryItem.StateReason"/>, as a later state change keeps its own.
    /// </summary>
    public string? Reason { get; init; }
}
