namespace AgentMem.Stores.Common;

/// <summary>
/// What a purge changes in the memories it leaves: their version snapshots and state reasons may name a purged memory, and
/// a link's reason names the keywords two notes shared, which is the purged text's own words. Every store applies the same
/// rules, in the purge's transaction: a link to a purged memory leaves every snapshot (as it leaves the current version),
/// and a state reason that names a purged memory is replaced by <see cref="RedactedReason"/>.
/// </summary>
internal static class PurgedReferences
{
    /// <summary>The state reason left in place of one that named a purged memory (e.g. "evolved: linked from ID (shares tahoe)").</summary>
    public const string RedactedReason = "[redacted: named a purged memory]";

    /// <summary><paramref name="version"/> without links to <paramref name="purged"/> and with a reason naming one redacted; null when nothing changes.</summary>
    public static MemoryItem? Scrub(MemoryItem version, PurgedIds purged)
    {
        bool linked = version.Links.Any(l => purged.Contains(l.Target));
        bool named = purged.NamedIn(version.StateReason);
        if (!linked && !named)
        {
            return null;
        }

        return version with
        {
            Links = linked ? [.. version.Links.Where(l => !purged.Contains(l.Target))] : version.Links,
            StateReason = named ? RedactedReason : version.StateReason,
        };
    }

    /// <summary>An audit line for a purged memory, or naming one, with its detail redacted; null when it needs none.</summary>
    public static AuditRecord? Redact(AuditRecord line, PurgedIds purged) =>
        MustRedact(line.MemoryId, line.Detail, purged) ? line with { Detail = AuditRecord.RedactedDetail } : null;

    /// <summary>Whether an audit line about <paramref name="memoryId"/> with <paramref name="detail"/> must have its detail redacted.</summary>
    public static bool MustRedact(string? memoryId, string? detail, PurgedIds purged) =>
        detail is not null && detail != AuditRecord.RedactedDetail && (purged.Contains(memoryId) || purged.NamedIn(detail));
}
