using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>PUT /v1/memories/{id}/state</c>: freeze, unfreeze, archive or restore, as a new version.</summary>
/// <param name="State">The state to move to: <c>active</c> (unfreeze, restore from the archive or from a soft delete), <c>archived</c> or <c>frozen</c>.</param>
/// <param name="Reason">Why; kept on the new version and in the audit log.</param>
/// <param name="User">The acting user.</param>
/// <param name="Agent">The acting agent.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SetStateRequest(LifecycleState? State, string? Reason = null, string? User = null, string? Agent = null);
