namespace AgentMem.Stores.Common;

/// <summary>
/// Links read from <c>memory_links</c> rows, grouped by the memory they leave, to be attached to the memories read
/// just before: the second query of every SQL store's memory read.
/// </summary>
internal sealed class LinksBySource
{
    private readonly Dictionary<string, List<MemoryLink>> bySource = new(StringComparer.Ordinal);

    /// <summary>Adds the link at the reader's position: columns source_id, target_id, type, weight, reason.</summary>
    public void Add(DbDataReader row)
    {
        string source = row.GetString(0);
        if (!bySource.TryGetValue(source, out var list))
        {
            bySource[source] = list = [];
        }

        list.Add(new MemoryLink(MemoryId.Parse(row.GetString(1)), row.GetString(2), row.GetDouble(3), row.IsDBNull(4) ? null : row.GetString(4)));
    }

    /// <summary>Gives each of <paramref name="items"/> that has links read here those links, in the order read.</summary>
    public void AttachTo(List<MemoryItem> items)
    {
        if (bySource.Count == 0)
        {
            return;
        }

        for (int i = 0; i < items.Count; i++)
        {
            if (bySource.TryGetValue(items[i].Id.ToString(), out var list))
            {
                items[i] = items[i] with { Links = list };
            }
        }
    }
}
