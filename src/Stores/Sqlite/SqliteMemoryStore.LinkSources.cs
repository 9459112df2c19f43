namespace AgentMem.Stores.Sqlite;

/// <summary>Finding what links to given memories (what was derived from them).</summary>
public sealed partial class SqliteMemoryStore
{
    // Targets per statement: well under SQLite's limit on bound parameters.
    private const int LinkTargetsPerQuery = 500;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryId>> FindLinkSourcesAsync(string tenant, IReadOnlyCollection<MemoryId> targets, IReadOnlyCollection<string> linkTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(linkTypes);
        if (targets.Count == 0 || linkTypes.Count == 0)
        {
            return [];
        }

        return await ReadAsync(conn =>
        {
            var found = new HashSet<MemoryId>();
            foreach (var chunk in targets.Distinct().Chunk(LinkTargetsPerQuery))
            {
                using var cmd = Command(conn, null, string.Empty);
                cmd.Parameters.AddWithValue("$t", tenant);
                var targetNames = chunk.Select((id, i) => Bind(cmd, "$d", i, id.ToString())).ToList();
                var typeNames = linkTypes.Select((type, i) => Bind(cmd, "$y", i, type)).ToList();
                cmd.CommandText = $"SELECT DISTINCT source_id FROM memory_links WHERE tenant = $t AND target_id IN ({string.Join(", ", targetNames)}) AND type IN ({string.Join(", ", typeNames)});";
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    found.Add(MemoryId.Parse(r.GetString(0)));
                }
            }

            return (IReadOnlyList<MemoryId>)[.. found];
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Bind(SqliteCommand cmd, string prefix, int index, string value)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"{prefix}{index}");
        cmd.Parameters.AddWithValue(name, value);
        return name;
    }
}
