namespace AgentMem.Stores.Common;

/// <summary>A memory's history as the SQL stores keep it: JSON snapshots of the superseded versions, then the current row.</summary>
internal static class VersionHistory
{
    /// <summary>The versions oldest first: <paramref name="snapshots"/> (in version order), then <paramref name="current"/>.</summary>
    public static List<MemoryItem> Assemble(IEnumerable<string> snapshots, MemoryItem current)
    {
        var versions = new List<MemoryItem>();
        foreach (string json in snapshots)
        {
            versions.Add(StoreJson.Deserialize<MemoryItem>(json));
        }

        versions.Add(current);
        return versions;
    }
}
