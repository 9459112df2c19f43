namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// Told by <see cref="MemoryOS"/> after a write commits, so derived state (in-memory indexes, caches)
/// can be refreshed. Called synchronously; implementations must be quick (e.g. mark a cache stale). Recalls, which only
/// update a memory's counters in place, are not told; they are in the change feed.
/// </summary>
public interface IMemoryChangeListener
{
    /// <summary>Memories of <paramref name="cubeId"/> in <paramref name="tenant"/> were added, changed or removed.</summary>
    void OnMemoriesChanged(string tenant, string cubeId);

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
