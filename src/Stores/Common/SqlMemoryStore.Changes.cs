namespace AgentMem.Stores.Common;

/// <summary>The change feed, embedding counts and link look-ups that read alike in both SQL stores.</summary>
public abstract partial class SqlMemoryStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<MemoryChangeRecord>> ReadChangesAsync(string tenant, string cubeId, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireChangeRead(tenant, cubeId, afterSequence, limit);
        return Read();

        async Task<IReadOnlyList<MemoryChangeRecord>> Read() => await ReadStatementAsync(
            tenant,
            cmd =>
            {
                cmd.CommandText = "SELECT seq, memory_id, op FROM memory_changes WHERE tenant = @t AND cube_id = @c AND seq > @after ORDER BY seq LIMIT @n;";
                Dialect.Add(cmd, "@t", tenant);
                Dialect.Add(cmd, "@c", cubeId);
                Dialect.Add(cmd, "@after", afterSequence);
                Dialect.Add(cmd, "@n", limit);
            },
            r => new MemoryChangeRecord(r.GetInt64(0), cubeId, MemoryId.Parse(r.GetString(1)), r.GetInt32(2) == 1),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<long> CountAsync(string tenant, MemoryFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return InReadAsync(tenant, async (conn, tx, ct) =>
        {
            var candidates = await RareTaggedIdsAsync(conn, tx, tenant, filter, ct).ConfigureAwait(false);
            if (candidates is { Count: 0 })
            {
                return 0L;
            }

            using var cmd = Command(conn, tx, string.Empty);
            var sql = new StringBuilder("SELECT count(*) FROM memories m WHERE");
            FilterSql.Append(sql, cmd, Dialect, tenant, filter, candidates);
            cmd.CommandText = sql.Append(';').ToString();
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<long> CountWithoutEmbeddingAsync(string tenant, string? cubeId, string embedder, IReadOnlyCollection<LifecycleState> states, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireEmbeddingCount(tenant, embedder, states);
        if (states.Count == 0)
        {
            return Task.FromResult(0L);
        }

        return InReadAsync(tenant, async (conn, tx, ct) =>
        {
            using var cmd = Command(conn, tx, string.Empty);
            var sql = new StringBuilder("SELECT count(*) FROM memories m WHERE m.tenant = @t");
            Dialect.Add(cmd, "@t", tenant);
            if (cubeId is not null)
            {
                sql.Append(" AND m.cube_id = @c");
                Dialect.Add(cmd, "@c", cubeId);
            }

            Dialect.AppendIn(sql.Append(" AND "), cmd, "m.state", "@s", [.. states.Distinct().Select(s => (int)s)]);
            sql.Append(CultureInfo.InvariantCulture, $" AND NOT EXISTS (SELECT 1 FROM memory_embeddings e WHERE {Dialect.OfMemory("e")} AND e.embedder = @e);");
            Dialect.Add(cmd, "@e", embedder);
            cmd.CommandText = sql.ToString();
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryId>> FindLinkSourcesAsync(string tenant, IReadOnlyCollection<MemoryId> targets, IReadOnlyCollection<string>? linkTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0 || linkTypes is { Count: 0 })
        {
            return [];
        }

        return await InReadAsync<IReadOnlyList<MemoryId>>(tenant, async (conn, tx, ct) =>
        {
            var found = new HashSet<MemoryId>();
            foreach (var chunk in targets.Distinct().Chunk(Dialect.MaxListLength))
            {
                var cmd = Command(conn, tx, string.Empty);
                // No DISTINCT (the set dedupes): with it SQLite, lacking statistics, walks the source index for the order
                // DISTINCT wants, reading every link of the tenant instead of the target's few.
                var sql = new StringBuilder("SELECT source_id FROM memory_links WHERE tenant = @t AND ");
                Dialect.Add(cmd, "@t", tenant);
                Dialect.AppendIn(sql, cmd, "target_id", "@d", [.. chunk.Select(id => id.ToString())]);
                if (linkTypes is not null)
                {
                    Dialect.AppendIn(sql.Append(" AND "), cmd, "type", "@y", [.. linkTypes]);
                }

                cmd.CommandText = sql.Append(';').ToString();
                found.UnionWith(await ReadAllAsync(cmd, r => MemoryId.Parse(r.GetString(0)), ct).ConfigureAwait(false));
            }

            return [.. found];
        }, cancellationToken).ConfigureAwait(false);
    }
}
