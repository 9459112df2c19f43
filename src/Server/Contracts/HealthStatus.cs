namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>GET /health</c>.</summary>
/// <param name="Status">Always <c>ok</c> while the service answers.</param>
public sealed record HealthStatus(string Status);
