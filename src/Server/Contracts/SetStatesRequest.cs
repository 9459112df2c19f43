using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>PUT /v1/memories/states</c>: state changes written in one transaction, in order, all or none.</summary>
/// <param name="Items">The changes.</param>
/// <param name="User">The acting user.</param>
/// <param name="Agent">The acting agent.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SetStatesRequest(IReadOnlyList<StateEdit>? Items, string? User = null, string? Agent = null);
