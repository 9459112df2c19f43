namespace AgentMem.Server.Contracts;

/// <summary>The members an update changes; members left out (null) keep their value.</summary>
public record MemoryChangeBody
{
    /// <summary>New text.</summary>
    public string? Text { get; init; }

    /// <summary>Why it changed; kept on the superseded version and in the audit log.</summary>
    public string? Reason { get; init; }

    /// <summary>New tags.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>New keywords.</summary>
    public IReadOnlyList<string>? Keywords { get; init; }

    /// <summary>New context sentence.</summary>
    public string? Context { get; init; }

    /// <summary>New importance 0..1.</summary>
    public double? Importance { get; init; }

    /// <summary>New event start.</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>New event end.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>
    /// The version the change was made from (the <c>version</c> read); when the memory has moved on since, the update is
    /// refused with 409 instead of overwriting the other writer's change. Left out: any version.
    /// </summary>
    public int? ExpectedVersion { get; init; }

    /// <summary>The facade's change for these members.</summary>
    public MemoryChange ToChange() => new()
    {
        Text = Text,
        Reason = Reason,
        Tags = Tags,
        Keywords = Keywords,
        Context = Context,
        Importance = Importance,
        ValidFrom = ValidFrom,
        ValidTo = ValidTo,
        ExpectedVersion = ExpectedVersion,
    };
}
