using AgentMem.MemoryCore.Links;

namespace AgentMem.Stores.Common;

/// <summary>
/// Links written only to memories that are there: a writer may have chosen them from a read taken before a target was
/// purged, and the purge must stay whole (no link to the purged memory, no reason in its words).
/// </summary>
internal static class LinkTargets
{
    /// <summary>Every target the links of <paramref name="items"/> name, each once.</summary>
    public static HashSet<MemoryId> Of(IEnumerable<MemoryItem> items) => [.. items.SelectMany(i => i.Links).Select(l => l.Target)];

    /// <summary><paramref name="item"/> without its links to memories <paramref name="present"/> says are not there (itself when it has none).</summary>
    public static MemoryItem Keep(MemoryItem item, Func<MemoryId, bool> present) =>
        item.Links.All(l => present(l.Target)) ? item : item with { Links = [.. item.Links.Where(l => present(l.Target))] };

    /// <summary>
    /// Refuses to add <paramref name="item"/> when it was made from a memory that is not there (a derivation link to it):
    /// kept, it would carry the purged text on, and without the link no later purge would find it.
    /// </summary>
    public static void RequireSources(MemoryItem item, Func<MemoryId, bool> present)
    {
        foreach (var link in item.Links)
        {
            if (LinkTypes.Derivations.Contains(link.Type, StringComparer.Ordinal) && !present(link.Target))
            {
                throw new MemoryStateException($"Memory {item.Id} has a {link.Type} link to memory {link.Target}, which is not stored (purged meanwhile?), so it cannot be kept; nothing from this batch was stored.");
            }
        }
    }
}
