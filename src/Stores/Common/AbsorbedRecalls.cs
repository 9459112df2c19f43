namespace AgentMem.Stores.Common;

/// <summary>
/// The recall counters of a memory that absorbed another (<see cref="MemoryReplacement.AbsorbsRecallsOf"/>): the fact was
/// recalled through either copy, so the survivor keeps the larger strength, the later last recall and both counts. Every
/// store computes them here and writes what it says.
/// </summary>
internal static class AbsorbedRecalls
{
    /// <summary>The counters of a survivor (<paramref name="kept"/>) that absorbed <paramref name="absorbed"/>.</summary>
    public static (double Strength, DateTimeOffset? LastRecalledAt, int RecallCount) Combine(
        (double Strength, DateTimeOffset? LastRecalledAt, int RecallCount) kept,
        (double Strength, DateTimeOffset? LastRecalledAt, int RecallCount) absorbed)
    {
        var last = kept.LastRecalledAt is { } a && absorbed.LastRecalledAt is { } b ? (a >= b ? a : b) : kept.LastRecalledAt ?? absorbed.LastRecalledAt;
        // A count cannot pass what the column holds; two of them near int.MaxValue are not real, but must not wrap negative.
        int count = (int)Math.Min((long)kept.RecallCount + absorbed.RecallCount, int.MaxValue);
        return (Math.Max(kept.Strength, absorbed.Strength), last, count);
    }
}
