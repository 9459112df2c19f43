namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// One line of the append-only audit log: who did what, when. Its detail is a reason a caller may have written freely
/// (an update's reason, a note's evolution naming the keywords it shares with another), so a purge redacts the details of
/// the purged memories' lines, and of every line naming one, to <see cref="RedactedDetail"/> in its own transaction: the
/// one change the log allows. The purge then leaves nothing of the memory behind but the fact that it was purged.
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
    string? Detail)
{
    /// <summary>
    /// The line's position in the tenant's log as the store numbers it: increasing with every line written, so reading on
    /// after it (<see cref="AuditQuery.After"/>) pages through the log. 0 on a line not read from a store.
    /// </summary>
    public long Sequence { get; init; }

    /// <summary>The detail a purge leaves on a line that was about, or named, a purged memory; stores refuse any other change to a line.</summary>
    public const string RedactedDetail = "{\"redacted\":true}";

    /// <summary>
    /// This line for one memory an add wrote: its cube, id and version, and as detail the reason it was written with
    /// (<see cref="MemoryItem.StateReason"/> of a first version) when the line has none of its own. The first edit hands
    /// that version's state reason to the edit's reason, so the audit line is where a creation reason outlives it.
    /// </summary>
    public AuditRecord ForAdded(MemoryItem item) =>
        this with { CubeId = item.CubeId, MemoryId = item.Id.ToString(), Version = item.Version, Detail = Detail ?? item.StateReason };
}
