namespace AgentMem.MemoryCore.Model;

/// <summary>
/// One version of one memory. The <see cref="Id"/> is stable across versions; every change writes a
/// new <see cref="Version"/> and keeps the previous one as <see cref="LifecycleState.Superseded"/>.
/// </summary>
public sealed record MemoryItem
{
    /// <summary>Stable, time-ordered id of the memory (shared by all its versions).</summary>
    public required MemoryId Id { get; init; }

    /// <summary>The cube that holds the memory.</summary>
    public required string CubeId { get; init; }

    /// <summary>Who the memory belongs to; its tenant is a hard partition.</summary>
    public required Scope Scope { get; init; }

    /// <summary>Plaintext, activation or parametric.</summary>
    public MemoryKind Kind { get; init; } = MemoryKind.Plaintext;

    /// <summary>The text (for activation and parametric memories, a description of the payload).</summary>
    public required string Text { get; init; }

    /// <summary>The binary payload of an activation or parametric memory; null for plaintext.</summary>
    public PayloadRef? Payload { get; init; }

    /// <summary>Lower-case hex SHA-256 of the content, used for de-duplication within a cube.</summary>
    public required string ContentHash { get; init; }

    /// <summary>Where the memory came from.</summary>
    public required Provenance Provenance { get; init; }

    /// <summary>Event time: from when the fact holds (bi-temporal, separate from <see cref="Provenance.RecordedAt"/>).</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>Event time: until when the fact holds; null while it still holds.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>Version number, starting at 1.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Lifecycle state of this version.</summary>
    public LifecycleState State { get; init; } = LifecycleState.Active;

    /// <summary>Why the state was set (e.g. the reason this version was superseded or deleted).</summary>
    public string? StateReason { get; init; }

    /// <summary>Free-form labels.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Salient terms (A-MEM note keywords).</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>One sentence situating the memory (A-MEM note context).</summary>
    public string? Context { get; init; }

    /// <summary>How much the memory matters, 0..1.</summary>
    public double Importance { get; init; } = 0.5;

    /// <summary>Memory strength S of the forgetting curve R = e^(−t/S), in days; grows with each recall.</summary>
    public double Strength { get; init; } = 1.0;

    /// <summary>When the memory was last returned to a caller, if ever.</summary>
    public DateTimeOffset? LastRecalledAt { get; init; }

    /// <summary>How many times the memory has been recalled.</summary>
    public int RecallCount { get; init; }

    /// <summary>Typed links to other memories.</summary>
    public IReadOnlyList<MemoryLink> Links { get; init; } = [];

    /// <summary>When this version was written.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}
