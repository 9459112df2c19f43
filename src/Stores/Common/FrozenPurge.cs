namespace AgentMem.Stores.Common;

/// <summary>The refusal of a purge one of whose memories was frozen after the caller read it (a legal hold set meanwhile).</summary>
internal static class FrozenPurge
{
    /// <summary>The error for <paramref name="id"/>: nothing was purged.</summary>
    public static MemoryFrozenException Refusal(MemoryId id) =>
        new($"Memory {id} was frozen before it could be purged; nothing was purged.");
}
