using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>POST /v1/memories/batch</c>: memories stored atomically (all or none).</summary>
/// <param name="Items">The memories.</param>
/// <param name="Cube">Cube id or name (default <c>default</c>); created if missing.</param>
/// <param name="User">The acting user.</param>
/// <param name="Agent">The acting agent.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AddBatchRequest(IReadOnlyList<NewMemory>? Items, string? Cube = null, string? User = null, string? Agent = null);
