using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.InMemory;

/// <summary>
/// Whether a memory passes a <see cref="MemoryFilter"/>, with the SQLite store's meaning of each member: an empty state
/// list filters nothing, tags compare case-insensitively, and a memory with no event start fails both event-time bounds.
/// The tenant is not checked here: callers only ever look inside one tenant's partition.
/// </summary>
internal static class FilterMatch
{
    public static bool Matches(MemoryItem item, MemoryFilter filter)
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

        return filter.AnyTags is not { Count: > 0 } tags
            || item.Tags.Any(t => tags.Contains(t, StringComparer.OrdinalIgnoreCase));
    }

    private static bool SameOrUnfiltered(string? wanted, string? actual) =>
        wanted is null || string.Equals(wanted, actual, StringComparison.Ordinal);
}
