namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// One new version for <see cref="IMemoryStore.ReplaceManyAsync"/>: <paramref name="Next"/> becomes current and
/// <paramref name="Superseded"/> (the version it follows, marked superseded) goes to the history, with its audit line.
/// </summary>
public sealed record MemoryReplacement(MemoryItem Superseded, MemoryItem Next, AuditRecord Audit)
{
    /// <summary>
    /// A memory this one absorbs (a merge of near-duplicates), whose recall history it takes over in the same transaction:
    /// the store gives <see cref="Next"/> the larger strength, the later last recall and the sum of the recall counts of
    /// the two memories as stored at the write (not as read: recalls change them in place). It must be a memory an earlier
    /// replacement of the same call marks <see cref="Model.LifecycleState.Superseded"/>, absorbed by no other replacement.
    /// Null (the default): the recall counters stay as stored.
    /// </summary>
    /// <remarks>
    /// Without it a merge kept only the survivor's own clock: when the absorbed copy was the one recalled, the next
    /// forgetting run archived the fact that was in use.
    /// </remarks>
    public MemoryId? AbsorbsRecallsOf { get; init; }
}
