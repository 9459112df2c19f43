using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>POST /v1/cubes</c>.</summary>
/// <param name="Name">Cube name, unique within the tenant.</param>
/// <param name="Description">What the cube holds.</param>
/// <param name="Deduplicate">Whether identical content of one user, agent and speaker is stored once (default true).</param>
/// <param name="User">The owning user.</param>
/// <param name="Agent">The owning agent.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateCubeRequest(string? Name, string? Description = null, bool? Deduplicate = null, string? User = null, string? Agent = null);
