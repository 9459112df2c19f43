namespace AgentMem.Stores.Sqlite;

/// <summary>Purging many memories at once (forgetting a user).</summary>
public sealed partial class SqliteMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One transaction with <c>secure_delete</c> (freed pages and cells are zeroed), then the full-text index is merged into
    /// one segment: FTS5 records a delete as a marker in a new segment and keeps the term in the old one until a merge, so
    /// without it the forgotten words would stay in <c>memories_fts_data</c>. Last, one write-ahead-log checkpoint
    /// (TRUNCATE) for the whole batch, since the log still holds the page images from before.
    /// </remarks>
    public async Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
        int purged = await WriteAsync(tenant, (conn, tx) =>
        {
            using (var secure = Command(conn, tx, "PRAGMA secure_delete = ON;"))
            {
                secure.ExecuteNonQuery();
            }

            int removed = 0;
            foreach (var id in ids.Distinct())
            {
                // The FTS row and the embeddings go with the memories row (triggers); links are removed in both directions.
                if (DeleteWhere(conn, tx, "memories", "id", tenant, id) == 0)
                {
                    continue;
                }

                removed++;
                DeleteWhere(conn, tx, "memory_versions", "memory_id", tenant, id);
                DeleteWhere(conn, tx, "memory_tags", "memory_id", tenant, id);
                DeleteWhere(conn, tx, "memory_links", "source_id", tenant, id);
                DeleteWhere(conn, tx, "memory_links", "target_id", tenant, id);
            }

            if (removed > 0)
            {
                using var optimize = Command(conn, tx, "INSERT INTO memories_fts(memories_fts) VALUES('optimize');");
                optimize.ExecuteNonQuery();
            }

            InsertAudit(conn, tx, tenant, audit);
            return removed;
        }, cancellationToken).ConfigureAwait(false);
        ScrubWriteAheadLog();
        return purged;
    }
}
