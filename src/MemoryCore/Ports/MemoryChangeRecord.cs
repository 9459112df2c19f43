namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// One entry of a store's change feed: a committed write to one memory of one cube. Sequence numbers grow
/// monotonically per cube, in commit order (a store may share one sequence across its cubes), and are assigned in the write's own transaction, so a reader that has
/// applied every entry up to <see cref="Sequence"/> is exactly in step with the store at that point.
/// </summary>
/// <param name="Sequence">Position in the feed (1-based, increasing, with gaps allowed).</param>
/// <param name="CubeId">The cube the memory belongs to.</param>
/// <param name="MemoryId">The memory written.</param>
/// <param name="Purged">True when the memory was removed for good; otherwise it was added or changed (read its current row).</param>
public readonly record struct MemoryChangeRecord(long Sequence, string CubeId, MemoryId MemoryId, bool Purged);
