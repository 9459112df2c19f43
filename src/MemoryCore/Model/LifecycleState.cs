namespace AgentMem.MemoryCore.Model;

/// <summary>Where a memory version is in its life.</summary>
public enum LifecycleState
{
    /// <summary>Current and retrievable.</summary>
    Active = 0,

    /// <summary>Kept but out of default retrieval (e.g. faded by the forgetting curve).</summary>
    Archived = 1,

    /// <summary>An older version replaced by a newer one; kept for history.</summary>
    Superseded = 2,

    /// <summary>Retrievable but immutable: updates and deletes are refused until it is unfrozen.</summary>
    Frozen = 3,

    /// <summary>Soft-deleted tombstone; purge removes it for good.</summary>
    Deleted = 4,
}
