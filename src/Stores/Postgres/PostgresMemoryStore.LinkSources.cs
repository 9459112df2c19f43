namespace AgentMem.Stores.Postgres;

/// <summary>Finding what links to given memories (what was derived from them).</summary>
public sealed partial class PostgresMemoryStore
{
    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryId>> FindLinkSourcesAsync(string tenant, IReadOnlyCollection<MemoryId> targets, IReadOnlyCollection<string> linkTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(linkTypes);
        if (targets.Count == 0 || linkTypes.Count == 0)
        {
            return [];
        }

        return await ReadAsync<IReadOnlyList<MemoryId>>(tenant, async (conn, tx, ct) =>
        {
            using var cmd = Command(conn, tx, "SELECT DISTINCT source_id FROM memory_links WHERE tenant = @t AND target_id = ANY(@d) AND type = ANY(@y);");
            cmd.Parameters.AddWithValue("t", tenant);
            cmd.Parameters.AddWithValue("d", targets.Select(id => id.ToString()).Distinct(StringComparer.Ordinal).ToArray());
            cmd.Parameters.AddWithValue("y", linkTypes.ToArray());
            var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var rScope = r.ConfigureAwait(false);
            var found = new List<MemoryId>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                found.Add(MemoryId.Parse(r.GetString(0)));
            }

            return found;
        }, cancellationToken).ConfigureAwait(false);
    }
}
