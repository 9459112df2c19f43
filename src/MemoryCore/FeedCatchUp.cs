namespace AgentMem.MemoryCore;

/// <summary>
/// What a cube's change feed says has happened since a position: the current version of each memory written since
/// (any state), the memories gone for good, and the position to read from next time.
/// </summary>
internal sealed record FeedCatchUp(long Sequence, IReadOnlyList<MemoryItem> Changed, IReadOnlyList<MemoryId> Removed);
