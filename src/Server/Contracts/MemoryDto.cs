namespace AgentMem.Server.Contracts;

/// <summary>One version of one memory, as the API returns it.</summary>
/// <param name="Id">Stable memory id (shared by all versions).</param>
/// <param name="CubeId">The cube that holds it.</param>
/// <param name="Version">Version number, from 1.</param>
/// <param name="State">Lifecycle state of this version.</param>
/// <param name="StateReason">Why the state was set.</param>
/// <param name="Text">The text.</param>
/// <param name="User">Owning user.</param>
/// <param name="Agent">Owning agent.</param>
/// <param name="Session">Session it came from.</param>
/// <param name="Actor">Who said or wrote it.</param>
/// <param name="Source">Source kind.</param>
/// <param name="SourceRef">Reference inside the source.</param>
/// <param name="ValidFrom">Event time from which it holds, at the offset it was given with (UTC when none was).</param>
/// <param name="ValidTo">Event time until which it holds.</param>
/// <param name="RecordedAt">When it was first recorded.</param>
/// <param name="UpdatedAt">When this version was written.</param>
/// <param name="Tags">Labels.</param>
/// <param name="Keywords">Salient terms.</param>
/// <param name="Context">A sentence of context.</param>
/// <param name="Importance">Importance 0..1.</param>
public sealed record MemoryDto(
    string Id,
    string CubeId,
    int Version,
    LifecycleState State,
    string? StateReason,
    string Text,
    string? User,
    string? Agent,
    string? Session,
    string? Actor,
    SourceKind Source,
    string? SourceRef,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidTo,
    DateTimeOffset RecordedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> Keywords,
    string? Context,
    double Importance)
{
    /// <summary>Plaintext, activation (a KV cartridge) or parametric (a weight delta).</summary>
    public required MemoryKind Kind { get; init; }

    /// <summary>The binary payload of an activation or parametric memory; absent for plaintext.</summary>
    public PayloadDto? Payload { get; init; }

    /// <summary>How many typed links the memory has (<c>GET /v1/memories/{id}/links</c> lists them).</summary>
    public required int LinkCount { get; init; }

    /// <summary>The API view of a stored version. The tenant is left out: the caller's key already names it.</summary>
    public static MemoryDto From(MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new(
            item.Id.ToString(),
            item.CubeId,
            item.Version,
            item.State,
            item.StateReason,
            item.Text,
            item.Scope.User,
            item.Scope.Agent,
            item.Scope.Session,
            item.Provenance.Actor,
            item.Provenance.Source,
            item.Provenance.SourceRef,
            item.ValidFrom,
            item.ValidTo,
            item.Provenance.RecordedAt,
            item.UpdatedAt,
            item.Tags,
            item.Keywords,
            item.Context,
            item.Importance)
        {
            Kind = item.Kind,
            Payload = PayloadDto.From(item.Payload),
            LinkCount = item.Links.Count,
        };
    }
}
