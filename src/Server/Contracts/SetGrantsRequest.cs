using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>PUT /v1/cubes/{cube}/grants</c>: the complete new list (it replaces the old one).</summary>
/// <param name="Grants">Every grant the cube should have; empty revokes them all.</param>
/// <param name="User">The acting user (must be the owner).</param>
/// <param name="Agent">The acting agent.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SetGrantsRequest(IReadOnlyList<CubeGrantDto>? Grants, string? User = null, string? Agent = null);
