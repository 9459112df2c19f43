namespace AgentMem.Stores.Sqlite;

/// <summary>Purging memories: one memory, or many at once (forgetting a user, a memory with what was derived from it).</summary>
public sealed partial class SqliteMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>The same transaction and scrubbing as <see cref="PurgeManyAsync"/>; nothing is written when the memory is not there.</remarks>
    public async Task<bool> PurgeAsync(string tenant, MemoryId id, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        return await PurgeAndScrubAsync(tenant, [id], audit, auditWhenNone: false, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One transaction with <c>secure_delete</c> (freed pages and cells are zeroed): the rows go, the neighbours' snapshots
    /// and reasons and the audit details are scrubbed (<see cref="PurgedReferences"/>), then the full-text index is merged
    /// into one segment: FTS5 records a delete as a marker in a new segment and may keep the term in the old one until a
    /// merge, so without it the purged words could stay in <c>memories_fts_data</c>. Then <c>VACUUM</c> rebuilds the file:
    /// <c>secure_delete</c> zeroes only what this transaction frees, while pages freed earlier (segments FTS5 merged away,
    /// rows moved by a split, the memory's own earlier versions) can still hold copies of the text. Last, one
    /// write-ahead-log checkpoint (TRUNCATE), since the log holds the page images from before.
    /// </remarks>
    public async Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
        return await PurgeAndScrubAsync(tenant, ids, audit, auditWhenNone: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the last purge rebuilt the file (false while another connection held a transaction open: then free pages
    /// from before it may still hold old text until the next purge or an explicit VACUUM).
    /// </summary>
    public bool LastVacuumComplete { get; private set; } = true;

    private async Task<int> PurgeAndScrubAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, bool auditWhenNone, CancellationToken cancellationToken)
    {
        int purged = await WriteAsync(tenant, (conn, tx) =>
        {
            EnableSecureDelete(conn, tx);
            var removed = ids.Distinct().Where(id => DeleteMemoryRows(conn, tx, tenant, id)).ToList();
            if (removed.Count > 0)
            {
                ScrubReferences(conn, tx, tenant, removed);
                using var optimize = Command(conn, tx, "INSERT INTO memories_fts(memories_fts) VALUES('optimize');");
                optimize.ExecuteNonQuery();
            }

            if (removed.Count > 0 || auditWhenNone)
            {
                InsertAudit(conn, tx, tenant, audit);
            }

            return removed.Count;
        }, cancellationToken).ConfigureAwait(false);
        if (purged > 0)
        {
            Vacuum();
            ScrubWriteAheadLog();
        }

        return purged;
    }

    /// <summary>Freed pages and cells are zeroed for the rest of the transaction, so deleted text does not linger in the file's free list.</summary>
    private static void EnableSecureDelete(SqliteConnection conn, SqliteTransaction tx)
    {
        using var secure = Command(conn, tx, "PRAGMA secure_delete = ON;");
        secure.ExecuteNonQuery();
    }

    /// <summary>
    /// Deletes one memory with its versions, tags and links in both directions (the FTS row and the embeddings go with the
    /// memories row, by trigger); false when the tenant has no such memory.
    /// </summary>
    private static bool DeleteMemoryRows(SqliteConnection conn, SqliteTransaction tx, string tenant, MemoryId id)
    {
        if (DeleteWhere(conn, tx, "memories", "id", tenant, id) == 0)
        {
            return false;
        }

        DeleteWhere(conn, tx, "memory_versions", "memory_id", tenant, id);
        DeleteWhere(conn, tx, "memory_tags", "memory_id", tenant, id);
        DeleteWhere(conn, tx, "memory_links", "source_id", tenant, id);
        DeleteWhere(conn, tx, "memory_links", "target_id", tenant, id);
        return true;
    }

    /// <summary>
    /// What the memories left say of the purged ones: snapshots that link to or name them are rewritten, current state
    /// reasons naming them are redacted, and audit details about or naming them become <see cref="AuditRecord.RedactedDetail"/>
    /// (the one update the audit log's trigger lets through).
    /// </summary>
    private static void ScrubReferences(SqliteConnection conn, SqliteTransaction tx, string tenant, IReadOnlyList<MemoryId> purged)
    {
        var snapshots = new Dictionary<(string MemoryId, long Version), string>();
        foreach (var id in purged)
        {
            using var find = Command(conn, tx, "SELECT memory_id, version, snapshot_json FROM memory_versions WHERE tenant = $t AND instr(snapshot_json, $id) > 0;");
            find.Parameters.AddWithValue("$t", tenant);
            find.Parameters.AddWithValue("$id", id.ToString());
            using var r = find.ExecuteReader();
            while (r.Read())
            {
                snapshots[(r.GetString(0), r.GetInt64(1))] = r.GetString(2);
            }
        }

        foreach (var ((memoryId, version), json) in snapshots)
        {
            if (PurgedReferences.Scrub(StoreJson.Deserialize<MemoryItem>(json), purged) is { } scrubbed)
            {
                using var rewrite = Command(conn, tx, "UPDATE memory_versions SET snapshot_json = $j WHERE tenant = $t AND memory_id = $m AND version = $v;");
                rewrite.Parameters.AddWithValue("$j", StoreJson.Serialize(scrubbed));
                rewrite.Parameters.AddWithValue("$t", tenant);
                rewrite.Parameters.AddWithValue("$m", memoryId);
                rewrite.Parameters.AddWithValue("$v", version);
                rewrite.ExecuteNonQuery();
            }
        }

        foreach (var id in purged)
        {
            using var redact = Command(conn, tx, """
                UPDATE memories SET state_reason = $reason WHERE tenant = $t AND instr(state_reason, $id) > 0;
                UPDATE audit_log SET detail = $redacted
                    WHERE tenant = $t AND detail IS NOT NULL AND detail <> $redacted AND (memory_id = $id OR instr(detail, $id) > 0);
                """);
            redact.Parameters.AddWithValue("$reason", PurgedReferences.RedactedReason);
            redact.Parameters.AddWithValue("$redacted", AuditRecord.RedactedDetail);
            redact.Parameters.AddWithValue("$t", tenant);
            redact.Parameters.AddWithValue("$id", id.ToString());
            redact.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The write-ahead log still holds the page images from before the purge: copy them into the database and truncate
    /// the log. Another process reading at this moment keeps the log alive; then it is truncated by the next purge or
    /// checkpoint (<see cref="LastPurgeCheckpointComplete"/> says which).
    /// </summary>
    private void ScrubWriteAheadLog()
    {
        using var connection = OpenConnection();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        using var r = cmd.ExecuteReader();
        LastPurgeCheckpointComplete = r.Read() && r.GetInt64(0) == 0;
    }

    /// <summary>Whether the write-ahead log was emptied after the last purge (false while another connection held it).</summary>
    public bool LastPurgeCheckpointComplete { get; private set; } = true;

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
