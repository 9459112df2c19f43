using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>POST /v1/memories</c>: one memory, the cube (created on first write) and the acting user and agent.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AddMemoryRequest : NewMemory
{
    /// <summary>Cube id or name (default <c>default</c>); created if the tenant has none of that name.</summary>
    public string? Cube { get; init; }

    /// <summary>The acting user.</summary>
    public string? User { get; init; }

    /// <summary>The acting agent.</summary>
    public string? Agent { get; init; }
}
