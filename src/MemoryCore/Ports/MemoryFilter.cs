namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// Which memories an operation looks at, within one tenant. Null members do not filter.
/// </summary>
public sealed record MemoryFilter
{
    /// <summary>The states retrieval sees by default: live memories, frozen ones included.</summary>
    public static readonly IReadOnlyList<LifecycleState> LiveStates = [LifecycleState.Active, LifecycleState.Frozen];

    /// <summary>Only memories of this cube (id).</summary>
    public string? CubeId { get; init; }

    /// <summary>Only these lifecycle states; defaults to <see cref="LiveStates"/>, and an empty list filters nothing.</summary>
    /// <remarks>
    /// A search whose states let <see cref="LifecycleState.Superseded"/> memories through finds them with every retriever
    /// of AgentMem; the hybrid and vector retrievers, whose indexes leave superseded versions out, answer it from the
    /// store's full-text index, by words, as the bm25 retriever does.
    /// </remarks>
    public IReadOnlyList<LifecycleState> States { get; init; } = LiveStates;

    /// <summary>Only memories of this user.</summary>
    public string? User { get; init; }

    /// <summary>Only memories of this agent.</summary>
    public string? Agent { get; init; }

    /// <summary>Only memories of this session.</summary>
    public string? Session { get; init; }

    /// <summary>Only memories of this kind.</summary>
    public MemoryKind? Kind { get; init; }

    /// <summary>Only memories carrying at least one of these tags.</summary>
    public IReadOnlyList<string>? AnyTags { get; init; }

    /// <summary>Only memories whose event time starts at or after this instant; with <see cref="ValidFromBefore"/>, it must be the earlier (the facade refuses an empty range).</summary>
    public DateTimeOffset? ValidFromOrAfter { get; init; }

    /// <summary>Only memories whose event time starts before this instant.</summary>
    public DateTimeOffset? ValidFromBefore { get; init; }
}
