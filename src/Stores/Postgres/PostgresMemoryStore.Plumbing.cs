using System.Data;
using AgentMem.Common.Http;

namespace AgentMem.Stores.Postgres;

/// <summary>Tenant-bound transactions, retries, the write ledger and row helpers shared by the store's operations.</summary>
public sealed partial class PostgresMemoryStore
{
    /// <summary>How long a write's ledger row is kept: far longer than any retry loop lasts.</summary>
    private const string LedgerRetention = "1 hour";

    private int simulatedLostCommits;

    /// <summary>Work done inside one tenant-bound transaction.</summary>
    internal delegate Task<T> TransactionWork<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    private enum TransactionKind
    {
        /// <summary>A consistent snapshot (REPEATABLE READ); retried freely.</summary>
        Read,

        /// <summary>A write whose repetition changes nothing (an upsert); retried freely.</summary>
        IdempotentWrite,

        /// <summary>A write recorded in <c>write_ledger</c>, so a retry after an unacknowledged commit returns the first result.</summary>
        LedgeredWrite,
    }

    /// <summary>
    /// Test hook: the next <paramref name="count"/> ledgered writes commit and then fail as if the connection dropped before
    /// the server's acknowledgement arrived, the one failure after which a client cannot know whether its write happened.
    /// </summary>
    internal void SimulateLostCommitAcknowledgements(int count) => Volatile.Write(ref simulatedLostCommits, count);

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction bound to <paramref name="tenant"/> by row-level security, as every
    /// operation does: raw SQL run here sees and writes only that tenant's rows, whatever it says.
    /// </summary>
    internal Task<T> InTenantTransactionAsync<T>(string tenant, TransactionWork<T> work, CancellationToken cancellationToken) =>
        RunAsync(tenant, work, TransactionKind.Read, cancellationToken);

    /// <summary>A consistent snapshot (REPEATABLE READ) bound to the tenant; retried freely.</summary>
    private protected override Task<T> InReadAsync<T>(string tenant, SqlWork<T> work, CancellationToken cancellationToken) =>
        RunAsync(tenant, (conn, tx, ct) => work(conn, tx, ct), TransactionKind.Read, cancellationToken);

    /// <summary>A ledgered write bound to the tenant: retried after a transient failure, never applied twice.</summary>
    private protected override Task<T> InWriteAsync<T>(string tenant, SqlWork<T> work, CancellationToken cancellationToken) =>
        RunAsync(tenant, (conn, tx, ct) => work(conn, tx, ct), TransactionKind.LedgeredWrite, cancellationToken);

    /// <summary>
    /// A read of one statement in one round trip, for the calls every search makes (its cube, the change feed's position):
    /// the tenant binding and the statement travel as one batch, which PostgreSQL runs as one implicit transaction, so the
    /// transaction-local binding holds for the statement and ends with it (no BEGIN, no COMMIT: 0.1 ms against 0.3 ms for a
    /// transaction here). Retried like any read.
    /// </summary>
    private protected override Task<List<T>> ReadStatementAsync<T>(string tenant, Action<DbCommand> prepare, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ObjectDisposedException.ThrowIf(disposed, this);
        using var prepared = new NpgsqlCommand();
        prepare(prepared);
        string sql = prepared.CommandText;
        var parameters = prepared.Parameters.ToList();
        return RetryTransientAsync(async _ =>
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var batch = new NpgsqlBatch(connection);
            var binding = new NpgsqlBatchCommand("SELECT set_config('agentmem.tenant', @t, true);");
            binding.Parameters.AddWithValue("t", tenant);
            var statement = new NpgsqlBatchCommand(sql);
            foreach (var parameter in parameters)
            {
                statement.Parameters.Add(parameter.Clone()); // a parameter belongs to one command: a retry needs its own
            }

            batch.BatchCommands.Add(binding);
            batch.BatchCommands.Add(statement);
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false); // past the binding's row
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(read(reader));
            }

            return rows;
        }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> (given its 0-based number) until it succeeds, trying again after a backoff with
    /// jitter when it fails transiently (see <see cref="PostgresTransientErrors"/>), at most <see cref="PostgresStoreOptions.MaxRetries"/> times.
    /// A full disk on the server is <see cref="StorageFullException"/> at once, as on SQLite: the facade skips what it may
    /// (a search's recall reinforcement) on it, and a host answers 507.
    /// </summary>
    private async Task<T> RetryTransientAsync<T>(Func<int, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (int n = 0; ; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await attempt(n).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DiskFull)
            {
                throw Full(ex);
            }
            catch (Exception ex) when (n < options.MaxRetries && !cancellationToken.IsCancellationRequested && PostgresTransientErrors.IsTransient(ex))
            {
                await Task.Delay(RetryDelay(n), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // 53100 (could not extend or write a file: ENOSPC, or a quota): the transaction was rolled back, so the database is as
    // it was; the caller can free space and retry.
    private StorageFullException Full(PostgresException ex) =>
        new($"The disk of the PostgreSQL database {Location} is full; nothing was written. Free space on the server and retry. ({ex.Message})", ex);

    private Task<T> WriteAsync<T>(string tenant, TransactionWork<T> work, CancellationToken cancellationToken) =>
        RunAsync(tenant, work, TransactionKind.LedgeredWrite, cancellationToken);

    /// <summary>
    /// One operation with retries. Transient failures (see <see cref="PostgresTransientErrors"/>) are tried again after a
    /// backoff with jitter; before re-running a ledgered write, the ledger is asked whether an earlier attempt committed
    /// after all (its acknowledgement lost), and if so its result is returned and nothing is written again.
    /// </summary>
    private async Task<T> RunAsync<T>(string tenant, TransactionWork<T> work, TransactionKind kind, CancellationToken cancellationToken)
    {
        // As in the SQLite store, a blank tenant is refused for writes and simply matches nothing on reads.
        if (kind == TransactionKind.Read)
        {
            ArgumentNullException.ThrowIfNull(tenant);
        }
        else
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        }

        ObjectDisposedException.ThrowIf(disposed, this);
        Guid writeId = kind == TransactionKind.LedgeredWrite ? Guid.NewGuid() : Guid.Empty;
        return await RetryTransientAsync(async attempt =>
        {
            if (attempt > 0 && kind == TransactionKind.LedgeredWrite)
            {
                var (found, earlier) = await FindLedgerResultAsync<T>(tenant, writeId, cancellationToken).ConfigureAwait(false);
                if (found)
                {
                    return earlier!;
                }
            }

            return await AttemptAsync(tenant, work, kind, writeId, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> AttemptAsync<T>(string tenant, TransactionWork<T> work, TransactionKind kind, Guid writeId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var isolation = kind == TransactionKind.Read ? IsolationLevel.RepeatableRead : IsolationLevel.ReadCommitted;
        var tx = await connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
        await using var txScope = tx.ConfigureAwait(false);

        // Transaction-local (true): the setting ends with the transaction, so a pooled connection never carries it on.
        using (var bind = new NpgsqlCommand("SELECT set_config('agentmem.tenant', @t, true);", connection, tx))
        {
            bind.Parameters.AddWithValue("t", tenant);
            await bind.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        T result;
        BeginAudit(tx);
        try
        {
            result = await work(connection, tx, cancellationToken).ConfigureAwait(false);
            await WritePendingAuditAsync(connection, tx, tenant, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndAudit(tx);
        }

        if (kind == TransactionKind.LedgeredWrite)
        {
            using var ledger = new NpgsqlCommand($"""
                INSERT INTO write_ledger(tenant, write_id, result) VALUES (@t, @w, @r);
                DELETE FROM write_ledger WHERE tenant = @t AND at < now() - interval '{LedgerRetention}';
                """, connection, tx);
            ledger.Parameters.AddWithValue("t", tenant);
            ledger.Parameters.AddWithValue("w", writeId);
            ledger.Parameters.AddWithValue("r", NpgsqlDbType.Jsonb, StoreJson.Serialize(result));
            await ledger.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Cancellation is honoured up to here and not during COMMIT: a cancelled commit would leave the outcome unknown.
        cancellationToken.ThrowIfCancellationRequested();
        await tx.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        if (kind == TransactionKind.LedgeredWrite && TakeSimulatedLostCommit())
        {
            throw new NpgsqlException("Simulated: the connection was lost after COMMIT was sent.", new IOException("simulated connection loss"));
        }

        return result;
    }

    private bool TakeSimulatedLostCommit()
    {
        while (true)
        {
            int left = Volatile.Read(ref simulatedLostCommits);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref simulatedLostCommits, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private Task<(bool Found, T? Result)> FindLedgerResultAsync<T>(string tenant, Guid writeId, CancellationToken cancellationToken) =>
        AttemptAsync<(bool, T?)>(tenant, async (conn, tx, ct) =>
        {
            using var cmd = new NpgsqlCommand("SELECT result::text FROM write_ledger WHERE tenant = @t AND write_id = @w;", conn, tx);
            cmd.Parameters.AddWithValue("t", tenant);
            cmd.Parameters.AddWithValue("w", writeId);
            // A write whose result is null (a delete of a cube that was not there) stored JSON null: the answer, not a fault.
            return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is string json
                ? (true, json == "null" ? default : StoreJson.Deserialize<T>(json))
                : (false, default);
        }, TransactionKind.Read, Guid.Empty, cancellationToken);

    /// <summary>
    /// Deletes the tenant's ledger rows holding the cube: an update's result is the whole cube as stored (description,
    /// grants), which would otherwise stay in a live row for <see cref="LedgerRetention"/> after the cube is gone. The only
    /// ledgered results that are JSON objects are cubes, and cube ids are never reused for anything else. A retry of
    /// such an update, should it come after the delete, then finds no cube, which is so.
    /// </summary>
    private protected override async Task DeleteCubeCopiesAsync(DbConnection conn, DbTransaction? tx, string tenant, string cubeId, CancellationToken ct)
    {
        using var cmd = Command((NpgsqlConnection)conn, (NpgsqlTransaction)tx!, "DELETE FROM write_ledger WHERE tenant = @t AND jsonb_typeof(result) = 'object' AND result ->> 'id' = @c;");
        cmd.Parameters.AddWithValue("t", tenant);
        cmd.Parameters.AddWithValue("c", cubeId);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The shared exponential backoff, spread at random so two nodes that collided do not retry in step.</summary>
    private TimeSpan RetryDelay(int attempt) => RetryTiming.Delay(attempt, options.RetryBaseDelay, options.RetryMaxDelay, jitter: Random.Shared);

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction tx, string sql) => new(sql, connection, tx);

    private protected override async Task WriteTagsAsync(DbConnection conn, DbTransaction? tx, string tenant, MemoryItem item, CancellationToken ct)
    {
        if (item.Tags.Count == 0)
        {
            return;
        }

        // Array order is insertion order, so the first spelling of a tag wins, as with SQLite's INSERT OR IGNORE. Unique by
        // the key tag filters match (step 7): lower(tag) folded tags the key keeps apart, and the second was lost.
        using var cmd = Command((NpgsqlConnection)conn, (NpgsqlTransaction)tx!, """
            INSERT INTO memory_tags(tenant, memory_id, tag, tag_key)
            SELECT @t, @m, tag, key FROM unnest(@tags, @keys) WITH ORDINALITY AS x(tag, key, n) ORDER BY n
            ON CONFLICT (tenant, memory_id, tag_key) DO NOTHING;
            """);
        cmd.Parameters.AddWithValue("t", tenant);
        cmd.Parameters.AddWithValue("m", item.Id.ToString());
        cmd.Parameters.AddWithValue("tags", item.Tags.ToArray());
        cmd.Parameters.AddWithValue("keys", item.Tags.Select(TagKey.Of).ToArray());
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
