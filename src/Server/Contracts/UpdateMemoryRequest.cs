using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>PATCH /v1/memories/{id}</c>: null members keep their value; every update is a new version.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateMemoryRequest : MemoryChangeBody
{
    /// <summary>The acting user.</summary>
    public string? User { get; init; }

    /// <summary>The acting agent.</summary>
    public string? Agent { get; init; }
}
