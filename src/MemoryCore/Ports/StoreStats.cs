namespace AgentMem.MemoryCore.Ports;

/// <summary>Counts over one tenant (optionally one cube).</summary>
/// <param name="Cubes">Number of cubes.</param>
/// <param name="ByState">Memories per lifecycle state (current versions).</param>
/// <param name="ByKind">Live memories per kind.</param>
/// <param name="SupersededVersions">Older versions kept for history.</param>
/// <param name="AuditRecords">Lines in the audit log.</param>
/// <param name="StorageBytes">Size of the store on disk, if known.</param>
public sealed record StoreStats(
    int Cubes,
    IReadOnlyDictionary<LifecycleState, long> ByState,
    IReadOnlyDictionary<MemoryKind, long> ByKind,
    long SupersededVersions,
    long AuditRecords,
    long? StorageBytes);
