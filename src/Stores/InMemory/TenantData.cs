namespace AgentMem.Stores.InMemory;

/// <summary>One tenant's partition of an <see cref="InMemoryDatabase"/>: nothing here is reachable from another tenant.</summary>
internal sealed class TenantData
{
    /// <summary>Cubes by id.</summary>
    public Dictionary<string, MemCube> Cubes { get; } = new(StringComparer.Ordinal);

    /// <summary>Memories in id order, which is creation order.</summary>
    public SortedDictionary<MemoryId, StoredMemory> Memories { get; } = [];

    /// <summary>The append-only audit log, oldest first.</summary>
    public List<AuditRecord> Audit { get; } = [];

    /// <summary>The change feed of each cube, oldest first.</summary>
    public Dictionary<string, List<MemoryChangeRecord>> Changes { get; } = new(StringComparer.Ordinal);
}
