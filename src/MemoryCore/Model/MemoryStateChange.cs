namespace AgentMem.MemoryCore.Model;

/// <summary>One change of <see cref="MemoryOS.SetStateManyAsync(Scope, IReadOnlyList{MemoryStateChange}, CancellationToken)"/>: the memory <paramref name="Id"/> moves to <paramref name="State"/>, for <paramref name="Reason"/>.</summary>
public sealed record MemoryStateChange(MemoryId Id, LifecycleState State, string? Reason = null)
{
    /// <summary>
    /// The version the change was decided on (null: any). When the memory has moved on since (edited, deleted, superseded
    /// or set to another state), the change is refused with a <see cref="Errors.MemoryStateException"/>: a job that read
    /// an active memory must not archive the tombstone a user made of it meanwhile. Without it, a change that meets another
    /// writer's between its read and its write is decided again on the version that writer stored (a memory now in the
    /// state asked for comes back unchanged).
    /// </summary>
    public int? ExpectedVersion { get; init; }
}
