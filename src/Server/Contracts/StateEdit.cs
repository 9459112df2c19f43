using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>One item of <c>PUT /v1/memories/states</c>: the memory's id, the state it moves to and why.</summary>
/// <param name="Id">The memory (required).</param>
/// <param name="State">The state to move to: <c>active</c>, <c>archived</c> or <c>frozen</c> (required).</param>
/// <param name="Reason">Why; kept on the new version and in the audit log.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StateEdit(string? Id, LifecycleState? State, string? Reason = null);
