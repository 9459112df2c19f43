namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// Whether a memory held in process passes a <see cref="MemoryFilter"/>, with the meaning the SQL stores give each
/// member: an empty state list filters nothing, tags compare case-insensitively, and a memory with no event start fails
/// both event-time bounds. The tenant is not checked: callers only ever look inside one tenant's memories.
/// </summary>
public static class MemoryFilterMatch
{
    /// <summary>True when <paramref name="item"/> passes every member of <paramref name="filter"/> that is set.</summary>
    public static bool Matches(MemoryFilter filter, MemoryItem item)
    {
        if (filter.CubeId is { } cube && !string.Equals(item.CubeId, cube, StringComparison.Ordinal))
        {
            return false;
        }

        if (filter.States.Count > 0 && !filter.States.Contains(item.State))
        {
            return false;
        }

        if (!SameOrUnfiltered(filter.User, item.Scope.User) || !SameOrUnfiltered(filter.Agent, item.Scope.Agent) || !SameOrUnfiltered(filter.Session, item.Scope.Session))
        {
            return false;
        }

        if (filter.Kind is { } kind && item.Kind != kind)
        {
            return false;
        }

        if (filter.ValidFromOrAfter is { } after && !(item.ValidFrom >= after))
        {
            return false;
        }

        if (filter.ValidFromBefore is { } before && !(item.ValidFrom < before))
        {
            return false;
        }

        return filter.AnyTags is not { Count: > 0 } tags || SharesTag(tags, item.Tags);
    }

    private static bool SameOrUnfiltered(string? wanted, string? actual) =>
        wanted is null || string.Equals(wanted, actual, StringComparison.Ordinal);

    // Loops rather than LINQ: retrieval calls this for every candidate of every search.
    private static bool SharesTag(IReadOnlyList<string> wanted, IReadOnlyList<string> own)
    {
        foreach (string tag in wanted)
        {
            foreach (string mine in own)
            {
                if (string.Equals(tag, mine, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
