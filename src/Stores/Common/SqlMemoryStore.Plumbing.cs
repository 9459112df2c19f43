namespace AgentMem.Stores.Common;

/// <summary>Commands, row helpers and the steps a store may do its own way.</summary>
public abstract partial class SqlMemoryStore
{
    /// <summary>
    /// Before an add batch writes anything: checks every cube it names exists (<see cref="CubeNotFoundException"/> for the
    /// first missing one, in batch order). A store whose writers run concurrently also takes its locks here.
    /// </summary>
    private protected virtual Task PrepareAddAsync(DbConnection conn, DbTransaction? tx, string tenant, List<string> cubeIds, CancellationToken ct) =>
        RequireCubesAsync(conn, tx, tenant, cubeIds, ct);

    /// <summary>Whether <paramref name="item"/> was already stored by the same write made again (none is, by default: the insert then refuses a reused id).</summary>
    private protected virtual Task<bool> IsRepeatedAddAsync(DbConnection conn, DbTransaction? tx, string tenant, MemoryItem item, CancellationToken ct) =>
        Task.FromResult(false);

    /// <summary>Writes the tags of <paramref name="item"/>'s current version, the first spelling of a tag winning (tags compare without case).</summary>
    private protected abstract Task WriteTagsAsync(DbConnection conn, DbTransaction? tx, string tenant, MemoryItem item, CancellationToken ct);

    /// <summary>The size of the store's storage, when it is <paramref name="tenant"/>'s to know (null for a database shared by tenants).</summary>
    private protected virtual Task<long?> StorageBytesAsync(DbConnection conn, DbTransaction? tx, string tenant, CancellationToken ct) =>
        Task.FromResult<long?>(null);

    private protected static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }

    /// <summary>
    /// Reads the rows of one statement (<paramref name="prepare"/> sets its text and parameters) as a read bound to the
    /// tenant. A hook so that PostgreSQL can send the binding and the statement in one round trip.
    /// </summary>
    private protected virtual Task<List<T>> ReadStatementAsync<T>(string tenant, Action<DbCommand> prepare, Func<DbDataReader, T> read, CancellationToken cancellationToken) =>
        InReadAsync(tenant, (conn, tx, ct) =>
        {
            var cmd = Command(conn, tx, string.Empty);
            prepare(cmd);
            return ReadAllAsync(cmd, read, ct);
        }, cancellationToken);

    /// <summary>Runs <paramref name="cmd"/>, reading each row with <paramref name="read"/>, then disposes it.</summary>
    private protected static Task<List<T>> ReadAllAsync<T>(DbCommand cmd, Func<DbDataReader, T> read, CancellationToken ct) =>
        ReadWhereAsync(cmd, read, static _ => true, ct);

    /// <summary>
    /// Runs <paramref name="cmd"/>, reading each row with <paramref name="read"/> and keeping those <paramref name="keep"/>
    /// accepts as they stream by, then disposes it.
    /// </summary>
    private protected static async Task<List<T>> ReadWhereAsync<T>(DbCommand cmd, Func<DbDataReader, T> read, Func<T, bool> keep, CancellationToken ct)
    {
        using (cmd)
        {
            var rows = new List<T>();
            var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (r.ConfigureAwait(false))
            {
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    var row = read(r);
                    if (keep(row))
                    {
                        rows.Add(row);
                    }
                }
            }

            return rows;
        }
    }

    private static CubeAlreadyExistsException CubeTaken(MemCube cube, Exception? cause = null) =>
        cause is null
            ? new($"A cube named '{cube.Name}' already exists in tenant '{cube.Owner.Tenant}'.")
            : new($"A cube named '{cube.Name}' already exists in tenant '{cube.Owner.Tenant}'.", cause);

    /// <summary>Inserts the cube row; a concurrent writer that took its name or id first makes it a <see cref="CubeAlreadyExistsException"/>.</summary>
    private async Task InsertCubeAsync(DbConnection conn, DbTransaction? tx, MemCube cube, CancellationToken ct)
    {
        using var insert = Command(conn, tx, """
            INSERT INTO cubes(tenant, id, name, owner_user, owner_agent, owner_session, description, grants_json, policy_json, created_at, updated_at)
            VALUES (@t, @id, @n, @u, @a, @s, @d, @g, @p, @c, @m);
            """);
        BindCube(insert, cube);
        try
        {
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (Dialect.IsConcurrentUniqueViolation(ex))
        {
            throw CubeTaken(cube, ex);
        }
    }

    /// <summary>
    /// Throws <see cref="CubeNotFoundException"/> for the first of <paramref name="cubeIds"/> (in batch order) not in the
    /// tenant; <paramref name="rowLock"/> (a row-locking clause) keeps the rows found until the transaction ends.
    /// </summary>
    private protected async Task RequireCubesAsync(DbConnection conn, DbTransaction? tx, string tenant, List<string> cubeIds, CancellationToken ct, string rowLock = "")
    {
        var cmd = Command(conn, tx, string.Empty);
        var sql = new StringBuilder("SELECT id FROM cubes WHERE tenant = @t AND ");
        Dialect.Add(cmd, "@t", tenant);
        Dialect.AppendIn(sql, cmd, "id", "@c", cubeIds);
        cmd.CommandText = sql.Append(" ORDER BY id").Append(rowLock).Append(';').ToString();
        var found = new HashSet<string>(await ReadAllAsync(cmd, r => r.GetString(0), ct).ConfigureAwait(false), StringComparer.Ordinal);
        foreach (string cube in cubeIds)
        {
            if (!found.Contains(cube))
            {
                throw new CubeNotFoundException($"No cube '{cube}' in tenant '{tenant}'.");
            }
        }
    }

    /// <summary>The name of the tenant's cube <paramref name="cubeId"/>, which the transaction has found, for a message to its callers.</summary>
    private async Task<string> CubeNameAsync(DbConnection conn, DbTransaction? tx, string tenant, string cubeId, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, "SELECT name FROM cubes WHERE tenant = @t AND id = @c;");
        Dialect.Add(cmd, "@t", tenant);
        Dialect.Add(cmd, "@c", cubeId);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string ?? cubeId;
    }

    private async Task<long> CountLiveAsync(DbConnection conn, DbTransaction? tx, string tenant, string cubeId, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, $"SELECT count(*) FROM memories WHERE tenant = @t AND cube_id = @c AND state IN {LiveStatesSql};");
        Dialect.Add(cmd, "@t", tenant);
        Dialect.Add(cmd, "@c", cubeId);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Which of <paramref name="ids"/> are memories of the tenant, kept from deletion until the transaction ends where the
    /// engine locks rows (PostgreSQL waits for a purge in flight and then finds the memory gone; SQLite's write transaction
    /// already excludes it), so a link written to one cannot outlive its target's purge.
    /// </summary>
    private async Task<HashSet<MemoryId>> FindPresentAsync(DbConnection conn, DbTransaction? tx, string tenant, IEnumerable<MemoryId> ids, CancellationToken ct)
    {
        var present = new HashSet<MemoryId>();
        foreach (var chunk in LockOrderChunks(ids))
        {
            using var cmd = SelectMemoryRowsCommand(conn, tx, tenant, "id", chunk, Dialect.LockRowsFromDeletion);
            present.UnionWith(await ReadAllAsync(cmd, r => MemoryId.Parse(r.GetString(0)), ct).ConfigureAwait(false));
        }

        return present;
    }

    /// <summary>The distinct <paramref name="ids"/> in id order (the order rows are locked in, so two writers never deadlock), in chunks of the dialect's list length.</summary>
    private IEnumerable<string[]> LockOrderChunks(IEnumerable<MemoryId> ids) =>
        ids.Select(i => i.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Chunk(Dialect.MaxListLength);

    /// <summary>Selects <paramref name="columns"/> of the tenant's memories among <paramref name="ids"/>, in id order, with <paramref name="lockRows"/> appended.</summary>
    private DbCommand SelectMemoryRowsCommand(DbConnection conn, DbTransaction? tx, string tenant, string columns, string[] ids, string lockRows)
    {
        var cmd = Command(conn, tx, string.Empty);
        var sql = new StringBuilder($"SELECT {columns} FROM memories WHERE tenant = @t AND ");
        Dialect.Add(cmd, "@t", tenant);
        Dialect.AppendIn(sql, cmd, "id", "@id", ids);
        cmd.CommandText = sql.Append(" ORDER BY id").Append(lockRows).Append(';').ToString();
        return cmd;
    }

    private async Task WriteLinksAsync(DbConnection conn, DbTransaction? tx, string tenant, MemoryItem item, CancellationToken ct)
    {
        if (item.Links.Count == 0)
        {
            return;
        }

        // As SQLite's INSERT OR REPLACE leaves them: a repeated (target, type) keeps its last weight and reason, at its last position.
        using var cmd = Command(conn, tx, Dialect.InsertLinkSql);
        foreach (var link in LinkReplacement.LastPerTargetAndType(item.Links))
        {
            cmd.Parameters.Clear();
            Dialect.Add(cmd, "@t", tenant);
            Dialect.Add(cmd, "@s", item.Id.ToString());
            Dialect.Add(cmd, "@d", link.Target.ToString());
            Dialect.Add(cmd, "@y", link.Type);
            Dialect.Add(cmd, "@w", link.Weight);
            Dialect.AddText(cmd, "@r", link.Reason);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private protected async Task<int> DeleteWhereAsync(DbConnection conn, DbTransaction? tx, string table, string column, string tenant, MemoryId id, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, $"DELETE FROM {table} WHERE tenant = @t AND {column} = @id;");
        Dialect.Add(cmd, "@t", tenant);
        Dialect.Add(cmd, "@id", id.ToString());
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private const string InsertAuditSql = """
        INSERT INTO audit_log(tenant, at, user_id, agent_id, action, cube_id, memory_id, version, detail)
        VALUES (@t, @at, @u, @a, @act, @c, @m, @v, @d);
        """;

    private const string InsertSnapshotSql = "INSERT INTO memory_versions(tenant, memory_id, version, snapshot_json, superseded_at) VALUES (@t, @id, @v, @j, @at);";

    private const string InsertSnapshotIfAbsentSql = "INSERT INTO memory_versions(tenant, memory_id, version, snapshot_json, superseded_at) VALUES (@t, @id, @v, @j, @at) ON CONFLICT DO NOTHING;";

    /// <summary>
    /// Appends an audit line (PostgreSQL writes it when the transaction's work is done, so lines number in commit order).
    /// It is filed under the tenant the call is bound to, never the one the record names: a mismatched record must not
    /// write into another tenant's trail (PostgreSQL's row-level security would refuse it too).
    /// </summary>
    private protected virtual Task InsertAuditAsync(DbConnection conn, DbTransaction? tx, string tenant, AuditRecord audit, CancellationToken ct) =>
        InsertAuditLinesAsync(conn, tx, tenant, [audit], ct);

    /// <summary>
    /// Appends an audit line to <paramref name="writes"/>, sent with the batch; PostgreSQL holds it for the end of the
    /// transaction instead, as every line it writes (see <see cref="InsertAuditAsync"/>).
    /// </summary>
    private protected virtual Task AuditInBatchAsync(SqlStatementBatch writes, DbConnection conn, DbTransaction? tx, string tenant, AuditRecord audit, CancellationToken ct)
    {
        BindAudit(writes.Add(InsertAuditSql), tenant, audit);
        return Task.CompletedTask;
    }

    /// <summary>Writes <paramref name="lines"/> in order, sent together (a batch of replacements held back hundreds).</summary>
    private protected async Task InsertAuditLinesAsync(DbConnection conn, DbTransaction? tx, string tenant, IReadOnlyList<AuditRecord> lines, CancellationToken ct)
    {
        using var writes = new SqlStatementBatch(conn, tx);
        foreach (var line in lines)
        {
            BindAudit(writes.Add(InsertAuditSql), tenant, line);
            await writes.FlushIfFullAsync(ct).ConfigureAwait(false);
        }

        await writes.FlushAsync(ct).ConfigureAwait(false);
    }

    private void BindAudit(DbCommand cmd, string tenant, AuditRecord audit)
    {
        Dialect.Add(cmd, "@t", tenant);
        Dialect.AddTime(cmd, "@at", audit.At);
        Dialect.AddText(cmd, "@u", audit.User);
        Dialect.AddText(cmd, "@a", audit.Agent);
        Dialect.Add(cmd, "@act", audit.Action);
        Dialect.AddText(cmd, "@c", audit.CubeId);
        Dialect.AddText(cmd, "@m", audit.MemoryId);
        Dialect.AddNumber(cmd, "@v", audit.Version);
        Dialect.AddText(cmd, "@d", audit.Detail);
    }

    private static DbCommand SnapshotCommand(DbConnection conn, DbTransaction? tx) => Command(conn, tx, InsertSnapshotSql);

    /// <summary>Keeps <paramref name="version"/> as a superseded version, replaced at <paramref name="supersededAt"/>.</summary>
    private async Task InsertSnapshotAsync(DbCommand snapshot, string tenant, MemoryItem version, DateTimeOffset supersededAt, CancellationToken ct)
    {
        snapshot.Parameters.Clear();
        BindSnapshot(snapshot, tenant, version, supersededAt);
        await snapshot.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private void BindSnapshot(DbCommand snapshot, string tenant, MemoryItem version, DateTimeOffset supersededAt)
    {
        Dialect.Add(snapshot, "@t", tenant);
        Dialect.Add(snapshot, "@id", version.Id.ToString());
        Dialect.Add(snapshot, "@v", version.Version);
        Dialect.AddJson(snapshot, "@j", StoreJson.Serialize(version));
        Dialect.AddTime(snapshot, "@at", supersededAt);
    }

    /// <summary>Test hook: runs when a read has its memory rows and has not read their links yet (a second statement).</summary>
    internal Action? BetweenRowsAndLinks { get; set; }

    /// <summary>Reads memories from <paramref name="cmd"/> and attaches their links (one extra query).</summary>
    private async Task<List<MemoryItem>> ReadItemsAsync(DbConnection conn, DbTransaction? tx, DbCommand cmd, string tenant, CancellationToken ct, Action<DbDataReader>? perRow = null)
    {
        var items = new List<MemoryItem>();
        var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await using (r.ConfigureAwait(false))
        {
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                items.Add(MemoryRows.Read(r, Dialect));
                perRow?.Invoke(r);
            }
        }

        if (items.Count == 0)
        {
            return items;
        }

        BetweenRowsAndLinks?.Invoke();
        var links = new LinksBySource();

        // In lists of at most the dialect's length: SQLite binds one parameter per id, and a page of more than 32,766
        // memories failed with "too many SQL variables". A source's links all come in its own chunk, in their order.
        foreach (var chunk in items.Select(i => i.Id.ToString()).Chunk(Math.Min(Dialect.MaxListLength, items.Count)))
        {
            var linkCmd = Command(conn, tx, string.Empty);
            var sql = new StringBuilder("SELECT source_id, target_id, type, weight, reason FROM memory_links WHERE tenant = @t AND ");
            Dialect.Add(linkCmd, "@t", tenant);
            Dialect.AppendIn(sql, linkCmd, "source_id", "@s", chunk);
            linkCmd.CommandText = sql.Append(CultureInfo.InvariantCulture, $" ORDER BY source_id, {Dialect.LinkOrder};").ToString();
            await ReadAllAsync(linkCmd, r => { links.Add(r); return 0; }, ct).ConfigureAwait(false);
        }

        links.AttachTo(items);
        return items;
    }

    private void BindCube(DbCommand cmd, MemCube cube)
    {
        Dialect.Add(cmd, "@t", cube.Owner.Tenant);
        Dialect.Add(cmd, "@id", cube.Id);
        Dialect.Add(cmd, "@n", cube.Name);
        Dialect.AddText(cmd, "@u", cube.Owner.User);
        Dialect.AddText(cmd, "@a", cube.Owner.Agent);
        Dialect.AddText(cmd, "@s", cube.Owner.Session);
        Dialect.AddText(cmd, "@d", cube.Description);
        Dialect.AddJson(cmd, "@g", StoreJson.Serialize(cube.Grants));
        Dialect.AddJson(cmd, "@p", StoreJson.Serialize(cube.Policy));
        Dialect.AddTime(cmd, "@c", cube.CreatedAt);
        Dialect.AddTime(cmd, "@m", cube.UpdatedAt);
    }

    private MemCube ReadCube(DbDataReader r) => CubeRowReader.Read(r, Dialect.ReadTime);
}
