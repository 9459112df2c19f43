namespace AgentMem.Stores.Common;

/// <summary>Purging memories: one memory, or many at once (forgetting a user, a memory with what was derived from it).</summary>
public abstract partial class SqlMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>The same transaction and scrubbing as <see cref="PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, CancellationToken)"/>; nothing is written when the memory is not there.</remarks>
    public async Task<bool> PurgeAsync(string tenant, MemoryId id, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        return await PurgeAndScrubAsync(tenant, [id], audit, auditWhenNone: false, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One transaction: the rows go, and the neighbours' snapshots and reasons and the audit details are scrubbed
    /// (<see cref="PurgedReferences"/>). What the database still keeps of the old text after the commit (free pages, dead
    /// row versions, the write-ahead log) each store then clears as far as it can: see its class remarks.
    /// </remarks>
    public async Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, IReadOnlyCollection<MemoryId>? unlessFrozen = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
        return await PurgeAndScrubAsync(tenant, ids, audit, auditWhenNone: true, cancellationToken, unlessFrozen).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <see cref="PurgeCleanUp.BeforeCommit"/> runs as the last step of the transaction (again if it is retried), and
    /// <see cref="PurgeCleanUp.AfterCommit"/> right after the commit, before the rebuild of the file (see the class remarks
    /// of each store), which runs even when it throws.
    /// </remarks>
    public async Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, IReadOnlyCollection<MemoryId>? unlessFrozen, PurgeCleanUp cleanUp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(cleanUp);
        return await PurgeAndScrubAsync(tenant, ids, audit, auditWhenNone: true, cancellationToken, unlessFrozen, cleanUp).ConfigureAwait(false);
    }

    /// <summary>
    /// Throws <see cref="MemoryFrozenException"/> when one of <paramref name="ids"/> is frozen now. Their rows are locked
    /// first where the engine locks rows (PostgreSQL waits for a freeze in flight and then sees it; SQLite's write
    /// transaction already excludes other writers), so no freeze lands between this check and the deletes.
    /// </summary>
    private async Task RequireNoneFrozenAsync(DbConnection conn, DbTransaction? tx, string tenant, IReadOnlyCollection<MemoryId> ids, CancellationToken ct)
    {
        foreach (var chunk in LockOrderChunks(ids))
        {
            using var cmd = SelectMemoryRowsCommand(conn, tx, tenant, "id, state", chunk, Dialect.LockRows);
            var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (r.ConfigureAwait(false))
            {
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    if (r.GetInt32(1) == (int)LifecycleState.Frozen)
                    {
                        throw FrozenPurge.Refusal(MemoryId.Parse(r.GetString(0)));
                    }
                }
            }
        }
    }

    /// <summary>The first step of a purge's transaction (SQLite zeroes what it frees from here on).</summary>
    private protected virtual Task BeginPurgeAsync(DbConnection conn, DbTransaction? tx, CancellationToken ct) => Task.CompletedTask;

    /// <summary>The last step of a purge's transaction that removed memories (SQLite merges its full-text index).</summary>
    private protected virtual Task EndPurgeAsync(DbConnection conn, DbTransaction? tx, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// After a purge that removed memories, or a cube delete, committed: clears what the database keeps of the old text
    /// outside the tables' live rows (after a cube delete, <paramref name="cubeDeleted"/>, of the cube's row too).
    /// </summary>
    private protected abstract Task AfterPurgeAsync(bool cubeDeleted, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="write"/> (a purge's transaction and the clean-up after its commit) as one write, for a store
    /// whose disposal waits for the writes in flight (SQLite): a committed purge is not cut off before its clean-up.
    /// </summary>
    private protected virtual Task<T> AsOneWriteAsync<T>(Func<Task<T>> write) => write();

    /// <summary>
    /// A step of a cube delete's transaction: deletes what the store keeps of the cube beyond its tables' rows
    /// (PostgreSQL: the write ledger's copies of it).
    /// </summary>
    private protected virtual Task DeleteCubeCopiesAsync(DbConnection conn, DbTransaction? tx, string tenant, string cubeId, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Rewrites the version snapshots (memory id, version, JSON) that link to or name a purged memory.</summary>
    private protected async Task RewriteSnapshotsAsync(DbConnection conn, DbTransaction? tx, string tenant, IEnumerable<(string MemoryId, int Version, string Json)> snapshots, PurgedIds purged, CancellationToken ct)
    {
        using var rewrite = Command(conn, tx, "UPDATE memory_versions SET snapshot_json = @j WHERE tenant = @t AND memory_id = @m AND version = @v;");
        foreach (var (memoryId, version, json) in snapshots)
        {
            if (PurgedReferences.Scrub(StoreJson.Deserialize<MemoryItem>(json), purged) is { } scrubbed)
            {
                rewrite.Parameters.Clear();
                Dialect.AddJson(rewrite, "@j", StoreJson.Serialize(scrubbed));
                Dialect.Add(rewrite, "@t", tenant);
                Dialect.Add(rewrite, "@m", memoryId);
                Dialect.Add(rewrite, "@v", version);
                await rewrite.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private Task<int> PurgeAndScrubAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, bool auditWhenNone, CancellationToken cancellationToken, IReadOnlyCollection<MemoryId>? unlessFrozen = null, PurgeCleanUp? cleanUp = null) =>
        AsOneWriteAsync(() => PurgeAndScrubOnceAsync(tenant, ids, audit, auditWhenNone, unlessFrozen, cleanUp, cancellationToken));

    private async Task<int> PurgeAndScrubOnceAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, bool auditWhenNone, IReadOnlyCollection<MemoryId>? unlessFrozen, PurgeCleanUp? cleanUp, CancellationToken cancellationToken)
    {
        int purged = await InWriteAsync(tenant, async (conn, tx, ct) =>
        {
            if (unlessFrozen is { Count: > 0 })
            {
                await RequireNoneFrozenAsync(conn, tx, tenant, unlessFrozen, ct).ConfigureAwait(false);
            }

            await BeginPurgeAsync(conn, tx, ct).ConfigureAwait(false);
            var removed = new List<MemoryId>();
            foreach (var id in ids.Distinct())
            {
                if (await DeleteMemoryRowsAsync(conn, tx, tenant, id, ct).ConfigureAwait(false))
                {
                    removed.Add(id);
                }
            }

            if (removed.Count > 0)
            {
                await ScrubReferencesAsync(conn, tx, tenant, new PurgedIds(removed), ct).ConfigureAwait(false);
                await EndPurgeAsync(conn, tx, ct).ConfigureAwait(false);
            }

            if (removed.Count > 0 || auditWhenNone)
            {
                await InsertAuditAsync(conn, tx, tenant, audit, ct).ConfigureAwait(false);
            }

            // Last, so that only the commit can still fail: the caller's derived files go before it, and a crash after the
            // commit leaves none of them (nothing durable would say they were owed).
            cleanUp?.BeforeCommit?.Invoke(removed);
            return removed.Count;
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            // Before the rebuild of the file, which can take minutes: the caller's listeners learn of the purge at once.
            cleanUp?.AfterCommit?.Invoke(purged);
        }
        finally
        {
            if (purged > 0)
            {
                await AfterPurgeAsync(cubeDeleted: false, cancellationToken).ConfigureAwait(false);
            }
        }

        return purged;
    }

    /// <summary>
    /// Deletes one memory with its versions, tags and links in both directions (its full-text row and embeddings go with
    /// the memories row, by trigger or foreign key); false when the tenant has no such memory.
    /// </summary>
    private async Task<bool> DeleteMemoryRowsAsync(DbConnection conn, DbTransaction? tx, string tenant, MemoryId id, CancellationToken ct)
    {
        if (await DeleteWhereAsync(conn, tx, "memories", "id", tenant, id, ct).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await DeleteWhereAsync(conn, tx, "memory_versions", "memory_id", tenant, id, ct).ConfigureAwait(false);
        await DeleteWhereAsync(conn, tx, "memory_tags", "memory_id", tenant, id, ct).ConfigureAwait(false);
        await DeleteWhereAsync(conn, tx, "memory_links", "source_id", tenant, id, ct).ConfigureAwait(false);
        await DeleteWhereAsync(conn, tx, "memory_links", "target_id", tenant, id, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Finds what the memories left say of the purged ones and scrubs it (<see cref="PurgedReferences"/>): snapshots that
    /// link to or name them (rewritten with <see cref="RewriteSnapshotsAsync"/>), current state reasons naming them
    /// (redacted), and audit details about or naming them (made <see cref="AuditRecord.RedactedDetail"/>, the one update the
    /// audit log's trigger lets through). One pass over the tenant's snapshots, state reasons and audit details, each text
    /// looked up against the whole set at once: a forget or a cube delete can purge thousands of memories, and a search
    /// per id read those tables once per id (measured on SQLite: forgetting 2,000 of 12,000 memories took 76 s).
    /// </summary>
    private async Task ScrubReferencesAsync(DbConnection conn, DbTransaction? tx, string tenant, PurgedIds purged, CancellationToken ct)
    {
        var snapshots = await FindNamingAsync(conn, tx, tenant, purged,
            $"SELECT memory_id, version, {Dialect.JsonText("snapshot_json")} FROM memory_versions WHERE tenant = @t;",
            r => (r.GetString(0), r.GetInt32(1), r.GetString(2)), row => row.Item3, ct).ConfigureAwait(false);
        await RewriteSnapshotsAsync(conn, tx, tenant, snapshots, purged, ct).ConfigureAwait(false);

        var reasons = await FindNamingAsync(conn, tx, tenant, purged,
            "SELECT id, state_reason FROM memories WHERE tenant = @t AND state_reason IS NOT NULL;",
            r => (Id: r.GetString(0), Reason: r.GetString(1)), row => row.Reason, ct).ConfigureAwait(false);
        await SetEachAsync(conn, tx, "UPDATE memories SET state_reason = @v WHERE tenant = @t AND id = @k;", tenant,
            PurgedReferences.RedactedReason, reasons.Select(row => (object)row.Id), ct).ConfigureAwait(false);

        var findAudit = Command(conn, tx, "SELECT seq, memory_id, detail FROM audit_log WHERE tenant = @t AND detail IS NOT NULL AND detail <> @redacted;");
        Dialect.Add(findAudit, "@t", tenant);
        Dialect.Add(findAudit, "@redacted", AuditRecord.RedactedDetail);
        var lines = await ReadWhereAsync(findAudit, r => (Seq: r.GetInt64(0), MemoryId: r.IsDBNull(1) ? null : r.GetString(1), Detail: r.GetString(2)),
            line => PurgedReferences.MustRedact(line.MemoryId, line.Detail, purged), ct).ConfigureAwait(false);
        await SetEachAsync(conn, tx, "UPDATE audit_log SET detail = @v WHERE tenant = @t AND seq = @k;", tenant,
            AuditRecord.RedactedDetail, lines.Select(line => (object)line.Seq), ct).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="sql"/> (an update setting @v on the row of tenant @t keyed @k) once per key.</summary>
    private async Task SetEachAsync(DbConnection conn, DbTransaction? tx, string sql, string tenant, string value, IEnumerable<object> keys, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, sql);
        foreach (object key in keys)
        {
            cmd.Parameters.Clear();
            Dialect.Add(cmd, "@v", value);
            Dialect.Add(cmd, "@t", tenant);
            Dialect.Add(cmd, "@k", key);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>The rows of <paramref name="sql"/> (over tenant @t) whose text names one of <paramref name="purged"/>.</summary>
    private async Task<List<T>> FindNamingAsync<T>(DbConnection conn, DbTransaction? tx, string tenant, PurgedIds purged, string sql,
        Func<DbDataReader, T> read, Func<T, string> text, CancellationToken ct)
    {
        var cmd = Command(conn, tx, sql);
        Dialect.Add(cmd, "@t", tenant);
        return await ReadWhereAsync(cmd, read, row => purged.NamedIn(text(row)), ct).ConfigureAwait(false);
    }
}
