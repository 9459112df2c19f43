using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>One item of <c>PATCH /v1/memories</c>: the memory's id and the members to change (null members keep their value).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record MemoryEdit : MemoryChangeBody
{
    /// <summary>The memory to update (required).</summary>
    public string? Id { get; init; }
}
