namespace AgentMem.Stores.Sqlite;

/// <summary>
/// What a purge does in SQLite besides deleting and scrubbing rows (<see cref="SqlMemoryStore.PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, CancellationToken)"/>): the
/// transaction runs with <c>secure_delete</c> (freed pages and cells are zeroed; off again once it ends), and ends by merging the full-text index
/// into one segment: FTS5 records a delete as a marker in a new segment and may keep the term in the old one until a
/// merge, so without it the purged words could stay in <c>memories_fts_data</c>. Then <c>VACUUM</c> rebuilds the file:
/// <c>secure_delete</c> zeroes only what this transaction frees, while pages freed earlier (segments FTS5 merged away,
/// rows moved by a split, the memory's own earlier versions) can still hold copies of the text. Last, one
/// write-ahead-log checkpoint (TRUNCATE), since the log holds the page images from before.
/// </summary>
public sealed partial class SqliteMemoryStore
{
    /// <summary>
    /// Whether the last purge rebuilt the file (false while another connection held a transaction open, or when the
    /// rebuild failed, e.g. no room for its temporary copy: then free pages from before it may still hold old text until
    /// the next purge or an explicit VACUUM). The purge itself is committed either way.
    /// </summary>
    public bool LastVacuumComplete { get; private set; } = true;

    /// <summary>Run just before the purge's VACUUM, for tests of a rebuild that fails.</summary>
    internal Action? BeforeVacuum { get; set; }

    /// <summary>Whether the write-ahead log was emptied after the last purge (false while another connection held it).</summary>
    public bool LastPurgeCheckpointComplete { get; private set; } = true;

    /// <summary>
    /// Whether the write connection in use has <c>secure_delete</c> on (<see cref="BeginPurgeAsync"/>). Writes are serialised,
    /// so there is at most one; it is turned off again when its transaction ends (<see cref="EndSecureDelete"/>).
    /// </summary>
    private bool secureDeleting;

    /// <summary>
    /// Freed pages and cells are zeroed from here on, so deleted text does not linger in the file's free list.
    /// <c>secure_delete</c> is a setting of the connection, not of the transaction: <see cref="EndSecureDelete"/> turns it
    /// off once the transaction has ended, committed or not, or the pool would hand it on to ordinary writes, which would
    /// zero what they free too (extra write I/O for as long as the pool lives).
    /// </summary>
    private protected override async Task BeginPurgeAsync(DbConnection conn, DbTransaction? tx, CancellationToken ct)
    {
        secureDeleting = true;
        using var secure = Command(conn, tx, "PRAGMA secure_delete = ON;");
        await secure.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Turns <c>secure_delete</c> off on <paramref name="connection"/> if a purge turned it on, before it goes back to the pool.</summary>
    private void EndSecureDelete(SqliteConnection connection)
    {
        if (secureDeleting)
        {
            secureDeleting = false;
            Execute(connection, "PRAGMA secure_delete = OFF;");
        }
    }

    private protected override async Task EndPurgeAsync(DbConnection conn, DbTransaction? tx, CancellationToken ct)
    {
        using var optimize = Command(conn, tx, "INSERT INTO memories_fts(memories_fts) VALUES('optimize');");
        await optimize.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private protected override Task AfterPurgeAsync(bool cubeDeleted, CancellationToken cancellationToken)
    {
        Vacuum();
        ScrubWriteAheadLog();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The write-ahead log still holds the page images from before the purge: copy them into the database and truncate
    /// the log. Another process reading at this moment keeps the log alive; then it is truncated by the next purge or
    /// checkpoint (<see cref="LastPurgeCheckpointComplete"/> says which).
    /// </summary>
    private void ScrubWriteAheadLog()
    {
        using var connection = OpenConnection(afterCommit: true);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        try
        {
            using var r = cmd.ExecuteReader();
            LastPurgeCheckpointComplete = r.Read() && r.GetInt64(0) == 0;
        }
        catch (SqliteException)
        {
            // As for the VACUUM: the purge is committed; the log is emptied by the next checkpoint.
            LastPurgeCheckpointComplete = false;
        }
    }

    private void Vacuum()
    {
        using var connection = OpenConnection(afterCommit: true);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "VACUUM;";
        try
        {
            BeforeVacuum?.Invoke();
            cmd.ExecuteNonQuery();
            LastVacuumComplete = true;
        }
        catch (SqliteException)
        {
            // The purge is committed: a rebuild that cannot run now (SQLITE_BUSY / SQLITE_LOCKED: another connection is
            // reading or writing; SQLITE_FULL: no room for the temporary copy it builds) must not turn it into a failure,
            // which would also skip what the caller does after a purge (deleting payload files, telling listeners).
            LastVacuumComplete = false;
        }
    }
}
