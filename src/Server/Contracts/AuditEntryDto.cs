namespace AgentMem.Server.Contracts;

/// <summary>One line of a memory's audit trail: who did what, when. It never holds memory content.</summary>
/// <param name="At">When it happened.</param>
/// <param name="User">Acting user, if any.</param>
/// <param name="Agent">Acting agent, if any.</param>
/// <param name="Action">What was done, e.g. <c>add</c>, <c>update</c>, <c>state</c>, <c>delete</c>, <c>recall</c>.</param>
/// <param name="CubeId">The cube acted on.</param>
/// <param name="MemoryId">The memory acted on.</param>
/// <param name="Version">The version written, if any.</param>
/// <param name="Detail">A short reason or note.</param>
/// <param name="Seq">The line's position in the tenant's log: pass the last one as <c>after</c> to read the next page.</param>
public sealed record AuditEntryDto(DateTimeOffset At, string? User, string? Agent, string Action, string? CubeId, string? MemoryId, int? Version, string? Detail, long Seq)
{
    /// <summary>The API view of an audit record. The tenant is left out: the caller's key already names it.</summary>
    public static AuditEntryDto From(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.At, record.User, record.Agent, record.Action, record.CubeId, record.MemoryId, record.Version, record.Detail, record.Sequence);
    }
}
