namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// Told by <see cref="MemoryOS"/> after a write commits (and, for a purge, also just before), so derived state (in-memory
/// indexes, caches) can be refreshed. Called synchronously; implementations must be quick (e.g. mark a cache stale).
/// Recalls, which only update a memory's counters in place, are not told; they are in the change feed.
/// </summary>
public interface IMemoryChangeListener
{
    /// <summary>Memories of <paramref name="cubeId"/> in <paramref name="tenant"/> were added, changed or removed.</summary>
    void OnMemoriesChanged(string tenant, string cubeId);

    /// <summary>
    /// Memories of the cube are about to be purged: told inside the purge's transaction, just before its commit
    /// (<see cref="PurgeCleanUp.BeforeCommit"/>), so derived data on disk that holds their text (a snapshot) is deleted
    /// before the commit and a crash right after it leaves none. The purge can still fail, leaving the memories as they
    /// were: delete only what is made again from the store. Must not use the store (its transaction is open). The default
    /// does nothing.
    /// </summary>
    void OnMemoriesPurging(string tenant, string cubeId)
    {
    }

    /// <summary>
    /// A memory was purged (after <see cref="OnMemoriesChanged"/>): derived data kept on disk (snapshots, caches) must not
    /// outlive it. The default does nothing, for listeners that keep nothing of memories' content.
    /// </summary>
    void OnMemoryPurged(string tenant, string cubeId, Identity.MemoryId id)
    {
    }

    /// <summary>
    /// A cube was deleted with all its memories: derived state of it (cached indexes, snapshots and index files on disk)
    /// must go. The default does nothing, for listeners that keep nothing per cube.
    /// </summary>
    void OnCubeDeleted(string tenant, string cubeId)
    {
    }
}
