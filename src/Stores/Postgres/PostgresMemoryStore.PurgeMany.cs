namespace AgentMem.Stores.Postgres;

/// <summary>Purging many memories at once (forgetting a user).</summary>
public sealed partial class PostgresMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One transaction; like a single purge, PostgreSQL frees the rows' space (and the old row images holding the text) at
    /// the next vacuum, which autovacuum runs by itself.
    /// </remarks>
    public async Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
        return await WriteAsync(tenant, async (conn, tx, ct) =>
        {
            int removed = 0;
            foreach (var id in ids.Distinct())
            {
                if (await DeleteMemoryRowsAsync(conn, tx, tenant, id, ct).ConfigureAwait(false))
                {
                    removed++;
                }
            }

            await InsertAuditAsync(conn, tx, tenant, audit, ct).ConfigureAwait(false);
            return removed;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes one memory with its versions, tags and links in both directions (embeddings go with the memories row, by
    /// foreign key); false when the tenant has no such memory.
    /// </summary>
    private static async Task<bool> DeleteMemoryRowsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string tenant, MemoryId id, CancellationToken ct)
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
}
