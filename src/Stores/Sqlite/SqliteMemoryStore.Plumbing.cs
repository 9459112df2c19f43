using AgentMem.Stores.Sqlite.Schema;

namespace AgentMem.Stores.Sqlite;

/// <summary>Connections, transactions and the steps SQLite does its own way.</summary>
public sealed partial class SqliteMemoryStore
{
    /// <summary>
    /// A connection of the store's settings; refused once disposal has begun, but for the clean-up that follows a purge's
    /// commit (<paramref name="afterCommit"/>), which disposal waits for.
    /// </summary>
    private SqliteConnection OpenConnection(bool afterCommit = false)
    {
        ObjectDisposedException.ThrowIf(disposed && !afterCommit, this);
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, (options.DurableCommits ? "PRAGMA synchronous = FULL; " : "PRAGMA synchronous = NORMAL; ") + BusyTimeoutPragma(options));
        if (options.MaxPageCount is { } pages)
        {
            Execute(connection, MaxPageCountPragma(pages));
        }

        return connection;
    }

    /// <summary>
    /// Reads in one deferred transaction on a connection of its own: under WAL its statements share one snapshot, as
    /// PostgreSQL's REPEATABLE READ reads do, so a memory's row and its links (two statements) are of the same version
    /// even while another connection commits between them. Readers never block writers.
    /// </summary>
    private protected override Task<T> InReadAsync<T>(string tenant, SqlWork<T> work, CancellationToken cancellationToken) =>
        OnReadConnectionAsync(
            async connection =>
            {
                using var tx = connection.BeginTransaction(deferred: true);
                var result = await work(connection, tx, cancellationToken).ConfigureAwait(false);
                tx.Commit();
                return result;
            },
            cancellationToken);

    /// <summary>A read of one statement, outside any transaction (WAL gives a statement a consistent view).</summary>
    private Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken) =>
        OnReadConnectionAsync(connection => Task.FromResult(work(connection)), cancellationToken);

    private async Task<T> OnReadConnectionAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var connection = OpenConnection();
            return await work(connection).ConfigureAwait(false);
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

    /// <summary>One IMMEDIATE transaction, one writer at a time in this process (SQLite's lock orders writers across processes).</summary>
    private protected override Task<T> InWriteAsync<T>(string tenant, SqlWork<T> work, CancellationToken cancellationToken) =>
        WriteAsync(tenant, work, durable: options.DurableCommits, cancellationToken);

    /// <summary>
    /// <see cref="InWriteAsync{T}(string, SqlWork{T}, CancellationToken)"/>, choosing whether the commit waits for the
    /// disk: derived data (embeddings) that can be recomputed need not.
    /// </summary>
    private async Task<T> WriteAsync<T>(string tenant, SqlWork<T> work, bool durable, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        if (options.ReadOnly)
        {
            throw new InvalidOperationException($"The store '{options.Path}' was opened read-only.");
        }

        BeginWrite();
        try
        {
            return await WriteInTurnAsync(work, durable, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndWrite();
        }
    }

    private async Task<T> WriteInTurnAsync<T>(SqlWork<T> work, bool durable, CancellationToken cancellationToken)
    {
        await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A writer still waiting when disposal began fails here, before it writes anything.
            using var connection = OpenConnection();
            try
            {
                if (durable != options.DurableCommits)
                {
                    Execute(connection, durable ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
                }

                using var tx = connection.BeginTransaction(deferred: false);
                RequireSchemaNotNewer(connection, tx);
                var result = await work(connection, tx, cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                tx.Commit();
                return result;
            }
            finally
            {
                // The transaction has ended (committed or rolled back): the connection goes back to the pool as it came.
                EndSecureDelete(connection);
            }
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

    /// <summary>
    /// Throws <see cref="SchemaVersionException"/> when a newer AgentMem has migrated the file since this store opened it
    /// (a CLI upgraded beside a running server): rows written in this build's layout would be misread by the newer one (a
    /// tag written without the key step 10 added was never found by a tag filter). Read under the write lock that
    /// <paramref name="tx"/> holds, so no migration can commit between this check and the write. It costs one read of
    /// the header page, which the write's own statements read anyway.
    /// </summary>
    private void RequireSchemaNotNewer(SqliteConnection connection, SqliteTransaction tx)
    {
        using var cmd = Command(connection, tx, "PRAGMA user_version;");
        long version = (long)cmd.ExecuteScalar()!;
        if (version > Migrations.Latest)
        {
            throw new SchemaVersionException($"'{options.Path}' was migrated to schema version {version} by a newer AgentMem while this store had it open; this build writes version {Migrations.Latest}, so the write was not made. Upgrade AgentMem here too and open the file again.");
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

    // None is: a SQLite write is never retried after an unknown outcome. A reused id (ids are unique in the file, across
    // tenants) is refused as the in-memory store refuses it, not with the insert's raw unique-constraint error.
    private protected override async Task<bool> IsRepeatedAddAsync(DbConnection conn, DbTransaction? tx, string tenant, MemoryItem item, CancellationToken ct)
    {
        using var cmd = Command((SqliteConnection)conn, (SqliteTransaction?)tx, "SELECT 1 FROM memories WHERE id = @id;");
        cmd.Parameters.AddWithValue("@id", item.Id.ToString());
        if (await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
        {
            throw new MemoryStateException($"A memory with id {item.Id} already exists; ids are unique. Nothing from this batch was stored.");
        }

        return false;
    }

    // The tags column is COLLATE NOCASE: INSERT OR IGNORE keeps the first spelling of a tag. Tag filters match the key.
    private protected override async Task WriteTagsAsync(DbConnection conn, DbTransaction? tx, string tenant, MemoryItem item, CancellationToken ct)
    {
        if (item.Tags.Count == 0)
        {
            return;
        }

        using var cmd = Command((SqliteConnection)conn, (SqliteTransaction?)tx, "INSERT OR IGNORE INTO memory_tags(tenant, memory_id, tag, tag_key) VALUES (@t, @m, @tag, @key);");
        var tag = cmd.Parameters.Add("@tag", SqliteType.Text);
        var key = cmd.Parameters.Add("@key", SqliteType.Text);
        cmd.Parameters.AddWithValue("@t", tenant);
        cmd.Parameters.AddWithValue("@m", item.Id.ToString());
        foreach (string t in item.Tags)
        {
            tag.Value = t;
            key.Value = TagKey.Of(t);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    // The file's size is the tenant's only while no other tenant has written to the file (whose growth it would tell):
    // every write leaves an audit line, which stays, and all of a tenant's data hangs off its cubes. Ranges on either
    // side of the tenant, so each probe reads one index entry at most.
    private protected override async Task<long?> StorageBytesAsync(DbConnection conn, DbTransaction? tx, string tenant, CancellationToken ct)
    {
        using var size = Command((SqliteConnection)conn, (SqliteTransaction?)tx, """
            SELECT CASE WHEN EXISTS (SELECT 1 FROM audit_log WHERE tenant < @t) OR EXISTS (SELECT 1 FROM audit_log WHERE tenant > @t)
                          OR EXISTS (SELECT 1 FROM cubes WHERE tenant < @t) OR EXISTS (SELECT 1 FROM cubes WHERE tenant > @t)
                THEN NULL ELSE (SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()) END;
            """);
        size.Parameters.AddWithValue("@t", tenant);
        return await size.ExecuteScalarAsync(ct).ConfigureAwait(false) is long bytes ? bytes : null;
    }
}
