namespace AgentMem.Stores.Sqlite;

public sealed partial class SqliteMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Runs with <c>secure_delete</c> and scrubs the write-ahead log after, like a purge: the cube's text must not linger
    /// in free pages. The full-text rows and embeddings leave with the memories rows (triggers); the change-feed entries
    /// those deletes append are then removed with the rest of the cube's feed.
    /// </remarks>
    public async Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentNullException.ThrowIfNull(audit);
        int? removed = await WriteAsync(tenant, (conn, tx) =>
        {
            EnableSecureDelete(conn, tx);

            if (DeleteCubeRows(conn, tx, "DELETE FROM cubes WHERE tenant = $t AND id = $c;", tenant, cubeId) == 0)
            {
                return (int?)null;
            }

            const string OfCube = "SELECT id FROM memories WHERE tenant = $t AND cube_id = $c";
            DeleteCubeRows(conn, tx, $"DELETE FROM memory_versions WHERE tenant = $t AND memory_id IN ({OfCube});", tenant, cubeId);
            DeleteCubeRows(conn, tx, $"DELETE FROM memory_tags WHERE tenant = $t AND memory_id IN ({OfCube});", tenant, cubeId);
            DeleteCubeRows(conn, tx, $"DELETE FROM memory_links WHERE tenant = $t AND (source_id IN ({OfCube}) OR target_id IN ({OfCube}));", tenant, cubeId);
            int memories = DeleteCubeRows(conn, tx, "DELETE FROM memories WHERE tenant = $t AND cube_id = $c;", tenant, cubeId);
            DeleteCubeRows(conn, tx, "DELETE FROM memory_embeddings WHERE tenant = $t AND cube_id = $c;", tenant, cubeId);
            DeleteCubeRows(conn, tx, "DELETE FROM memory_changes WHERE tenant = $t AND cube_id = $c;", tenant, cubeId);
            InsertAudit(conn, tx, tenant, audit);
            return memories;
        }, cancellationToken).ConfigureAwait(false);
        if (removed is not null)
        {
            ScrubWriteAheadLog();
        }

        return removed;
    }

    private static int DeleteCubeRows(SqliteConnection conn, SqliteTransaction tx, string sql, string tenant, string cubeId)
    {
        using var cmd = Command(conn, tx, sql);
        cmd.Parameters.AddWithValue("$t", tenant);
        cmd.Parameters.AddWithValue("$c", cubeId);
        return cmd.ExecuteNonQuery();
    }
}
