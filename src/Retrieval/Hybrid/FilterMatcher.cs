using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Retrieval.Hybrid;

/// <summary>Evaluates a <see cref="MemoryFilter"/> on an in-memory item, with the same meaning the store gives it.</summary>
internal static class FilterMatcher
{
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

        if (!Same(filter.User, item.Scope.User) || !Same(filter.Agent, item.Scope.Agent) || !Same(filter.Session, item.Scope.Session))
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

        if (filter.AnyTags is { Count: > 0 } tags)
        {
            foreach (string tag in tags)
            {
                foreach (string own in item.Tags)
                {
                    if (string.Equals(tag, own, StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        return true;
    }

    private static bool Same(string? wanted, string? actual) =>
        wanted is null || string.Equals(wanted, actual, StringComparison.Ordinal);
}
