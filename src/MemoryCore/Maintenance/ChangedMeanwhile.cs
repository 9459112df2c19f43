namespace AgentMem.MemoryCore.Maintenance;

/// <summary>
/// The failures that mean a memory a job listed changed before the job wrote it (frozen, deleted, purged, or given a new
/// version by another writer): the job leaves it for its next run instead of failing.
/// </summary>
internal static class ChangedMeanwhile
{
    public static bool Is(AgentMemException ex) => ex is MemoryStateException or MemoryFrozenException or MemoryNotFoundException;
}
