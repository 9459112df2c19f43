namespace AgentMem.Stores.Postgres;

/// <summary>
/// What a purge does in PostgreSQL besides deleting and scrubbing rows (<see cref="SqlMemoryStore.PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, CancellationToken)"/>).
/// PostgreSQL keeps the deleted and rewritten rows' old versions in the table files until a vacuum, so after the commit
/// the store runs <see cref="PostgresStoreOptions.PurgeVacuum"/> on the tables it touched (it cannot run inside a
/// transaction). A vacuum removes only what no open transaction can still see, and only a table's owner may vacuum it
/// (others get a warning, not an error). The write-ahead log is out of its reach: PostgreSQL recycles segments without
/// zeroing them, so the text can stay in <c>pg_wal</c> until a segment is reused.
/// </summary>
public sealed partial class PostgresMemoryStore
{
    // The tables whose rows a purge deletes or rewrites; their dead row versions hold the old text until a vacuum.
    private const string PurgedTables = "memories, memory_versions, memory_tags, memory_links, memory_embeddings, audit_log";

    // And those a cube delete also deletes from: the cube's row (with its updates' old versions) and the ledger's copies of it.
    private const string DeletedCubeTables = "cubes, write_ledger";

    /// <summary>
    /// Whether the vacuum after the last purge ran (false when it gave up: another session held a lock on a table past
    /// <see cref="VacuumLockTimeout"/>, or the server refused, also where it only warned, as it does to a role that owns
    /// neither the tables nor the database). The purge itself is committed either way; the old row versions then stay
    /// until the next purge's vacuum, autovacuum or an operator's.
    /// </summary>
    public bool LastVacuumComplete { get; private set; } = true;

    // A VACUUM (FULL) waiting for its exclusive lock would queue every later reader of the table behind it: it waits this
    // long at most, then gives up (LastVacuumComplete).
    private static readonly TimeSpan VacuumLockTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Removes the dead row versions a purge or cube delete left (outside any transaction: VACUUM cannot run in one).</summary>
    private protected override async Task AfterPurgeAsync(bool cubeDeleted, CancellationToken cancellationToken)
    {
        string vacuum = options.PurgeVacuum == PostgresPurgeVacuum.Full ? "VACUUM (FULL)" : "VACUUM";
        string tables = cubeDeleted ? $"{PurgedTables}, {DeletedCubeTables}" : PurgedTables;
        try
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using (var limit = new NpgsqlCommand($"SET lock_timeout = {(int)VacuumLockTimeout.TotalMilliseconds};", connection))
            {
                await limit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // A table the role may not vacuum (it owns neither the table nor the database) is skipped with a WARNING, not
            // an error, so the statement succeeded with nothing vacuumed. Any warning counts: its SQLSTATE is the generic
            // 01000 and its text follows lc_messages, and a vacuum that warned is not known to have finished its job.
            bool warned = false;
            void OnNotice(object sender, NpgsqlNoticeEventArgs e) => warned |= e.Notice.InvariantSeverity == "WARNING";
            connection.Notice += OnNotice;
            try
            {
                // No command timeout: rewriting a large table takes as long as it takes; the lock wait is what is bounded.
                using var run = new NpgsqlCommand($"{vacuum} {tables};", connection) { CommandTimeout = 0 };
                await run.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                connection.Notice -= OnNotice;
            }

            LastVacuumComplete = !warned;
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
        {
            // lock_not_available, a lost connection, a refused vacuum, or the caller cancelling while it waited: the purge
            // is committed, so it is reported as done (a cancellation thrown here told the caller a committed purge failed,
            // and its retry found nothing to purge); the scrub is said to be unfinished.
            LastVacuumComplete = false;
        }
    }
}
