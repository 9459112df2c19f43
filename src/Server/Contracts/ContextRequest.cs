using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>POST /v1/context</c>.</summary>
/// <param name="Query">What the context is for; required, even when the whole cube fits (it picks the memories once the cube outgrows the budget).</param>
/// <param name="Cube">Cube id or name (default <c>default</c>).</param>
/// <param name="Budget">Token budget (default 2,000, at least 16).</param>
/// <param name="Mode">Retriever used when the cube does not fit.</param>
/// <param name="User">The acting user.</param>
/// <param name="Agent">The acting agent.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ContextRequest(string? Query, string? Cube = null, int? Budget = null, string? Mode = null, string? User = null, string? Agent = null);
