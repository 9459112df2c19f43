namespace AgentMem.MemoryCore.Model;

/// <summary>One change of <see cref="MemoryOS.SetStateManyAsync"/>: the memory <paramref name="Id"/> moves to <paramref name="State"/>, for <paramref name="Reason"/>.</summary>
public sealed record MemoryStateChange(MemoryId Id, LifecycleState State, string? Reason = null);
