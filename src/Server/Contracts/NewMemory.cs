using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>One memory to add (plaintext; binary kinds are not offered over REST yet).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public record NewMemory
{
    /// <summary>The memory text (required, non-empty).</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>Why it is remembered: the first version's state reason, kept as the detail of the add in the audit trail.</summary>
    public string? Reason { get; init; }

    /// <summary>Who said or wrote it.</summary>
    public string? Actor { get; init; }

    /// <summary>The conversation or run it came from.</summary>
    public string? Session { get; init; }

    /// <summary>Source kind (default conversation).</summary>
    public SourceKind? Source { get; init; }

    /// <summary>A reference inside the source, such as a turn id.</summary>
    public string? SourceRef { get; init; }

    /// <summary>Event time from which the fact holds.</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>Event time until which the fact holds.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>Labels.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Salient terms.</summary>
    public IReadOnlyList<string>? Keywords { get; init; }

    /// <summary>A sentence of context.</summary>
    public string? Context { get; init; }

    /// <summary>Importance 0..1 (default 0.5).</summary>
    public double? Importance { get; init; }

    /// <summary>The facade's draft for this memory.</summary>
    public MemoryDraft ToDraft() => new(Text ?? string.Empty)
    {
        Actor = Actor,
        Session = Session,
        Source = Source ?? SourceKind.Conversation,
        SourceRef = SourceRef,
        ValidFrom = ValidFrom,
        ValidTo = ValidTo,
        Tags = Tags ?? [],
        Keywords = Keywords ?? [],
        Context = Context,
        Importance = Importance ?? 0.5,
        Reason = Reason,
    };
}
