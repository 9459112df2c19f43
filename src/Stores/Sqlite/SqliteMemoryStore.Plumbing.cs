namespace AgentMem.Stores.Sqlite;

/// <summary>Connections, transactions and row helpers shared by the store's operations.</summary>
public sealed partial class SqliteMemoryStore
{
    private const string CubeColumns = "tenant, id, name, owner_user, owner_agent, owner_session, description, grants_json, policy_json, created_at, updated_at";

    private SqliteConnection OpenConnection()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, string.Create(CultureInfo.InvariantCulture,
            $"PRAGMA synchronous = {(options.DurableCommits ? "FULL" : "NORMAL")}; PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds};"));
        if (options.MaxPageCount is { } pages)
        {
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count = {pages};"));
        }

        return connection;
    }

    private Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var connection = OpenConnection();
            return Task.FromResult(work(connection));
        }
        catch (SqliteException ex) when (SqliteErrors.IsDamagedFile(ex))
        {
            throw Damaged(ex);
        }
        catch (Exception ex) when (IsUndecodable(ex))
        {
            throw Undecodable(ex);
        }
    }

    /// <summary>Runs <paramref name="work"/> in one IMMEDIATE transaction; any exception rolls everything back.</summary>
    private Task<T> WriteAsync<T>(string tenant, Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken) =>
        WriteAsync(tenant, work, durable: options.DurableCommits, cancellationToken);

    /// <summary>
    /// <see cref="WriteAsync{T}(string, Func{SqliteConnection, SqliteTransaction, T}, CancellationToken)"/>, choosing
    /// whether the commit waits for the disk: derived data (embeddings) that can be recomputed need not.
    /// </summary>
    private async Task<T> WriteAsync<T>(string tenant, Func<SqliteConnection, SqliteTransaction, T> work, bool durable, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        if (options.ReadOnly)
        {
            throw new InvalidOperationException($"The store '{options.Path}' was opened read-only.");
        }

        await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = OpenConnection();
            if (durable != options.DurableCommits)
            {
                Execute(connection, durable ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
            }

            using var tx = connection.BeginTransaction(deferred: false);
            var result = work(connection, tx);
            cancellationToken.ThrowIfCancellationRequested();
            tx.Commit();
            return result;
        }
        catch (SqliteException ex) when (SqliteErrors.IsDamagedFile(ex))
        {
            throw Damaged(ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteErrors.Full)
        {
            throw Full(ex);
        }
        catch (Exception ex) when (IsUndecodable(ex))
        {
            throw Undecodable(ex);
        }
        finally
        {
            writeGate.Release();
        }
    }

    // SQLITE_FULL: the transaction was rolled back, so the database is as it was; the caller can free space and retry.
    private StorageFullException Full(SqliteException ex) =>
        new($"The disk holding the database '{options.Path}' is full; the write was not made. Free space and retry. ({ex.Message})", ex);

    private StoreFormatException Damaged(SqliteException ex) =>
        new($"The database '{options.Path}' is damaged or was replaced by a non-AgentMem file: {ex.Message}", ex);

    // Inside the store's work every parsed value (timestamps, ids, JSON columns, typed columns) comes from the file, so a
    // value that does not parse is a damaged row (SQLite checks pages, not what the text in them means).
    private static bool IsUndecodable(Exception ex) =>
        ex is FormatException or System.Text.Json.JsonException or InvalidCastException or OverflowException;

    private StoreFormatException Undecodable(Exception ex) =>
        new($"The database '{options.Path}' holds a value that does not decode (a damaged row): {ex.Message}", ex);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }

    private static void RequireCube(SqliteConnection conn, SqliteTransaction tx, string tenant, string cubeId)
    {
        using var cmd = Command(conn, tx, "SELECT 1 FROM cubes WHERE tenant = $t AND id = $c;");
        cmd.Parameters.AddWithValue("$t", tenant);
        cmd.Parameters.AddWithValue("$c", cubeId);
        if (cmd.ExecuteScalar() is null)
        {
            throw new CubeNotFoundException($"No cube '{cubeId}' in tenant '{tenant}'.");
        }
    }

    private static long CountLive(SqliteConnection conn, SqliteTransaction tx, string tenant, string cubeId)
    {
        using var cmd = Command(conn, tx, $"SELECT COUNT(*) FROM memories WHERE tenant = $t AND cube_id = $c AND state IN {LiveStatesSql};");
        cmd.Parameters.AddWithValue("$t", tenant);
        cmd.Parameters.AddWithValue("$c", cubeId);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void WriteTags(SqliteConnection conn, SqliteTransaction tx, string tenant, MemoryItem item)
    {
        if (item.Tags.Count == 0)
        {
            return;
        }

        using var cmd = Command(conn, tx, "INSERT OR IGNORE INTO memory_tags(tenant, memory_id, tag) VALUES ($t, $m, $tag);");
        var tag = cmd.Parameters.Add("$tag", SqliteType.Text);
        cmd.Parameters.AddWithValue("$t", tenant);
        cmd.Parameters.AddWithValue("$m", item.Id.ToString());
        foreach (string t in item.Tags)
        {
            tag.Value = t;
            cmd.ExecuteNonQuery();
        }
    }

    private static void WriteLinks(SqliteConnection conn, SqliteTransaction tx, string tenant, MemoryItem item)
    {
        if (item.Links.Count == 0)
        {
            return;
        }

        using var cmd = Command(conn, tx, "INSERT OR REPLACE INTO memory_links(tenant, source_id, target_id, type, weight, reason) VALUES ($t, $s, $d, $y, $w, $r);");
        foreach (var link in item.Links)
        {
            cmd.Parameters.Clear();
            cmd.Parameters.AddWithValue("$t", tenant);
            cmd.Parameters.AddWithValue("$s", item.Id.ToString());
            cmd.Parameters.AddWithValue("$d", link.Target.ToString());
            cmd.Parameters.AddWithValue("$y", link.Type);
            cmd.Parameters.AddWithValue("$w", link.Weight);
            cmd.Parameters.AddWithValue("$r", (object?)link.Reason ?? DBNull.Value);
            cmd.ExecuteNonQuery();
        }
    }

    private static int DeleteWhere(SqliteConnection conn, SqliteTransaction tx, string table, string column, string tenant, MemoryId id)
    {
        using var cmd = Command(conn, tx, $"DELETE FROM {table} WHERE tenant = $t AND {column} = $id;");
        cmd.Parameters.AddWithValue("$t", tenant);
        cmd.Parameters.AddWithValue("$id", id.ToString());
        return cmd.ExecuteNonQuery();
    }

    // The line is filed under the tenant the call is bound to, never the one the record names: a mismatched record must
    // not write into another tenant's trail.
    private static void InsertAudit(SqliteConnection conn, SqliteTransaction tx, string tenant, AuditRecord audit)
    {
        using var cmd = Command(conn, tx, """
            INSERT INTO audit_log(tenant, at, user_id, agent_id, action, cube_id, memory_id, version, detail)
            VALUES ($t, $at, $u, $a, $act, $c, $m, $v, $d);
            """);
        cmd.Parameters.AddWithValue("$t", tenant);
        cmd.Parameters.AddWithValue("$at", SqlValues.Time(audit.At));
        cmd.Parameters.AddWithValue("$u", SqlValues.OrNull(audit.User));
        cmd.Parameters.AddWithValue("$a", SqlValues.OrNull(audit.Agent));
        cmd.Parameters.AddWithValue("$act", audit.Action);
        cmd.Parameters.AddWithValue("$c", SqlValues.OrNull(audit.CubeId));
        cmd.Parameters.AddWithValue("$m", SqlValues.OrNull(audit.MemoryId));
        cmd.Parameters.AddWithValue("$v", audit.Version is { } v ? v : DBNull.Value);
        cmd.Parameters.AddWithValue("$d", SqlValues.OrNull(audit.Detail));
        cmd.ExecuteNonQuery();
    }

    /// <summary>Reads memories from <paramref name="cmd"/> and attaches their links (one extra query).</summary>
    private static List<MemoryItem> ReadItems(SqliteConnection conn, SqliteCommand cmd, string tenant, Action<SqliteDataReader>? perRow = null)
    {
        var items = new List<MemoryItem>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                items.Add(MemoryRows.Read(r));
                perRow?.Invoke(r);
            }
        }

        if (items.Count == 0)
        {
            return items;
        }

        var links = new LinksBySource();
        using (var linkCmd = Command(conn, null, string.Empty))
        {
            var sql = new StringBuilder("SELECT source_id, target_id, type, weight, reason FROM memory_links WHERE tenant = $t AND source_id IN (");
            linkCmd.Parameters.AddWithValue("$t", tenant);
            for (int i = 0; i < items.Count; i++)
            {
                string name = string.Create(CultureInfo.InvariantCulture, $"$s{i}");
                sql.Append(i == 0 ? string.Empty : ",").Append(name);
                linkCmd.Parameters.AddWithValue(name, items[i].Id.ToString());
            }

            linkCmd.CommandText = sql.Append(") ORDER BY source_id, rowid;").ToString();
            using var r = linkCmd.ExecuteReader();
            while (r.Read())
            {
                links.Add(r);
            }
        }

        links.AttachTo(items);
        return items;
    }

    private static void BindCube(SqliteCommand cmd, MemCube cube)
    {
        cmd.Parameters.AddWithValue("$t", cube.Owner.Tenant);
        cmd.Parameters.AddWithValue("$id", cube.Id);
        cmd.Parameters.AddWithValue("$n", cube.Name);
        cmd.Parameters.AddWithValue("$u", SqlValues.OrNull(cube.Owner.User));
        cmd.Parameters.AddWithValue("$a", SqlValues.OrNull(cube.Owner.Agent));
        cmd.Parameters.AddWithValue("$s", SqlValues.OrNull(cube.Owner.Session));
        cmd.Parameters.AddWithValue("$d", SqlValues.OrNull(cube.Description));
        cmd.Parameters.AddWithValue("$g", StoreJson.Serialize(cube.Grants));
        cmd.Parameters.AddWithValue("$p", StoreJson.Serialize(cube.Policy));
        cmd.Parameters.AddWithValue("$c", SqlValues.Time(cube.CreatedAt));
        cmd.Parameters.AddWithValue("$m", SqlValues.Time(cube.UpdatedAt));
    }

    private static MemCube ReadCube(SqliteDataReader r) => CubeRowReader.Read(r, SqlValues.ReadTime);
}
