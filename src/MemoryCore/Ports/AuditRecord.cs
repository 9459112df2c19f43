namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// One line of the append-only audit log: who did what, when. It never holds memory content, so a
/// purge leaves nothing of the memory behind but the fact that it was purged.
/// </summary>
/// <param name="At">When the action happened.</param>
/// <param name="Tenant">The tenant acted in.</param>
/// <param name="User">Acting user, if any.</param>
/// <param name="Agent">Acting agent, if any.</param>
/// <param name="Action">What was done: <c>cube.create</c>, <c>add</c>, <c>update</c>, <c>delete</c>, <c>purge</c>, <c>state</c>.</param>
/// <param name="CubeId">The cube acted on.</param>
/// <param name="MemoryId">The memory acted on, if any.</param>
/// <param name="Version">The version written, if any.</param>
/// <param name="Detail">A short reason or note.</param>
public sealed record AuditRecord(
    DateTimeOffset At,
    string Tenant,
    string? User,
    string? Agent,
    string Action,
    string? CubeId,
    string? MemoryId,
    int? Version,
    string? Detail);
