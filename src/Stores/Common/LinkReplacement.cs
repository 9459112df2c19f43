namespace AgentMem.Stores.Common;

/// <summary>
/// The links a memory's current version keeps: one per target and type, the last listed winning and standing at its
/// own (last) position. SQLite's links table gets this from INSERT OR REPLACE; the other stores apply it here.
/// </summary>
internal static class LinkReplacement
{
    /// <summary><paramref name="links"/> with every earlier link of a repeated (target, type) dropped.</summary>
    public static List<MemoryLink> LastPerTargetAndType(IReadOnlyList<MemoryLink> links)
    {
        var last = new Dictionary<(MemoryId Target, string Type), int>();
        for (int i = 0; i < links.Count; i++)
        {
            last[(links[i].Target, links[i].Type)] = i;
        }

        var kept = new List<MemoryLink>(last.Count);
        foreach (int i in last.Values.Order())
        {
            kept.Add(links[i]);
        }

        return kept;
    }
}
