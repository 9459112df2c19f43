namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// Told by <see cref="MemoryOS"/> after a write commits, so derived state (in-memory indexes, caches)
/// can be refreshed. Called synchronously; implementations must be quick (e.g. mark a cache stale).
/// </summary>
public interface IMemoryChangeListener
{
    /// <summary>Memories of <paramref name="cubeId"/> in <paramref name="tenant"/> were added, changed or removed.</summary>
    void OnMemoriesChanged(string tenant, string cubeId);
}
