using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>
/// Body of <c>PATCH /v1/memories</c>: updates written in one transaction, in order, all or none. An id may come more
/// than once; each later edit applies to the version the one before it made.
/// </summary>
/// <param name="Items">The edits.</param>
/// <param name="User">The acting user.</param>
/// <param name="Agent">The acting agent.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateBatchRequest(IReadOnlyList<MemoryEdit>? Items, string? User = null, string? Agent = null);
