namespace AgentMem.Stores.Common;

/// <summary>Puts memories read in any order back in the order a caller asked for them.</summary>
internal static class RequestedOrder
{
    /// <summary>
    /// <paramref name="found"/> in the order of <paramref name="ids"/>: ids not found are skipped, and an id asked for
    /// twice comes back once, at its first place.
    /// </summary>
    public static List<MemoryItem> Arrange(IReadOnlyList<MemoryId> ids, IEnumerable<MemoryItem> found)
    {
        var byId = found.ToDictionary(m => m.Id);
        var ordered = new List<MemoryItem>(byId.Count);
        foreach (var id in ids)
        {
            if (byId.Remove(id, out var item))
            {
                ordered.Add(item);
            }
        }

        return ordered;
    }
}
