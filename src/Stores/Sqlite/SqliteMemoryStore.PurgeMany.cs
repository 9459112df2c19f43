namespace AgentMem.Stores.Sqlite;

/// <summary>Purging many memories at once (forgetting a user).</summary>
public sealed partial class SqliteMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One transaction with <c>secure_delete</c> (freed pages and cells are zeroed), then the full-text index is merged into
    /// one segment: FTS5 records a delete as a marker in a new segment and may keep the term in the old one until a merge, so
    /// without it the forgotten words could stay in <c>memories_fts_data</c>. Then <c>VACUUM</c> rebuilds the file:
    /// <c>secure_delete</c> zeroes only what this transaction frees, while pages freed earlier (segments FTS5 merged away,
    /// rows moved by a split) can still hold copies of the text. Last, one write-ahead-log checkpoint (TRUNCATE) for the
    /// whole batch, since the log holds the page images from before.
    /// </remarks>
    public async Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
        int purged = await WriteAsync(tenant, (conn, tx) =>
        {
            EnableSecureDelete(conn, tx);
            int removed = 0;
            foreach (var id in ids.Distinct())
            {
                if (DeleteMemoryRows(conn, tx, tenant, id))
                {
                    removed++;
                }
            }

            if (removed > 0)
            {
                using var optimize = Command(conn, tx, "INSERT INTO memories_fts(memories_fts) VALUES('optimize');");
                optimize.ExecuteNonQuery();
            }

            InsertAudit(conn, tx, tenant, audit);
            return removed;
        }, cancellationToken).ConfigureAwait(false);
        if (purged > 0)
        {
            Vacuum();
        }

        ScrubWriteAheadLog();
        return purged;
    }

    /// <summary>
    /// Whether the last <see cref="PurgeManyAsync"/> rebuilt the file (false while another connection held a transaction
    /// open: then free pages from before it may still hold old text until the next forget or an explicit VACUUM).
    /// </summary>
    public bool LastVacuumComplete { get; private set; } = true;

    private void Vacuum()
    {
        using var connection = OpenConnection();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "VACUUM;";
        try
        {
            cmd.ExecuteNonQuery();
            LastVacuumComplete = true;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6)
        {
            // SQLITE_BUSY / SQLITE_LOCKED: another connection is reading or writing; the purge itself is committed.
            LastVacuumComplete = false;
        }
    }
}
