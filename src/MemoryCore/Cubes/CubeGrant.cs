namespace AgentMem.MemoryCore.Cubes;

/// <summary>
/// Access given to a user or an agent (or both: then the grant applies only to that agent acting for that user).
/// </summary>
/// <param name="User">The user granted access, or null for any user.</param>
/// <param name="Agent">The agent granted access, or null for any agent.</param>
/// <param name="Access">Read, or read and write.</param>
public sealed record CubeGrant(string? User, string? Agent, CubeAccess Access);
