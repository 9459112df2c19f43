namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// Which lines of a tenant's audit log to read: oldest first, those after <see cref="After"/> (a
/// <see cref="AuditRecord.Sequence"/> from a previous page), optionally of one memory or one cube, at most
/// <see cref="Limit"/>. Reading on from the last line's sequence reaches every line.
/// </summary>
public sealed record AuditQuery
{
    /// <summary>Only lines about this memory.</summary>
    public MemoryId? MemoryId { get; init; }

    /// <summary>Only lines about this cube (its id).</summary>
    public string? CubeId { get; init; }

    /// <summary>Only lines after this sequence (default 0: from the first).</summary>
    public long After { get; init; }

    /// <summary>Most lines read (default 1,000; at least 1).</summary>
    public int Limit { get; init; } = 1000;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a limit below 1 or a negative cursor.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Limit, 1, nameof(Limit));
        ArgumentOutOfRangeException.ThrowIfNegative(After, nameof(After));
    }
}
