namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>PATCH /v1/memories/{id}</c>: null members keep their value; every update is a new version.</summary>
public sealed record UpdateMemoryRequest
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

    /// <summary>The acting user.</summary>
    public string? User { get; init; }

    /// <summary>The acting agent.</summary>
    public string? Agent { get; init; }

    /// <summary>The facade's change for this request.</summary>
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
    };
}
