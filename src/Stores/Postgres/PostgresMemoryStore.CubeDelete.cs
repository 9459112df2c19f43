namespace AgentMem.Stores.Postgres;

/// <summary>Deleting a cube with everything kept for it, in one transaction.</summary>
public sealed partial class PostgresMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Embeddings leave with the memories rows (foreign key); the change-feed entries those deletes append, and the cube's
    /// counter, are removed after them with the rest of its feed.
    /// </remarks>
    public async Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentNullException.ThrowIfNull(audit);
        return await WriteAsync(tenant, async (conn, tx, ct) =>
        {
            // Locked first: memories reference the cube row, so it is deleted last.
            using (var exists = Command(conn, tx, "SELECT 1 FROM cubes WHERE tenant = @t AND id = @c FOR UPDATE;"))
            {
                exists.Parameters.AddWithValue("t", tenant);
                exists.Parameters.AddWithValue("c", cubeId);
                if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
                {
                    return (int?)null;
                }
            }

            const string OfCube = "SELECT id FROM memories WHERE tenant = @t AND cube_id = @c";
            await DeleteCubeRowsAsync(conn, tx, $"DELETE FROM memory_versions WHERE tenant = @t AND memory_id IN ({OfCube});", tenant, cubeId, ct).ConfigureAwait(false);
            await DeleteCubeRowsAsync(conn, tx, $"DELETE FROM memory_tags WHERE tenant = @t AND memory_id IN ({OfCube});", tenant, cubeId, ct).ConfigureAwait(false);
            await DeleteCubeRowsAsync(conn, tx, $"DELETE FROM memory_links WHERE tenant = @t AND (source_id IN ({OfCube}) OR target_id IN ({OfCube}));", tenant, cubeId, ct).ConfigureAwait(false);
            int memories = await DeleteCubeRowsAsync(conn, tx, "DELETE FROM memories WHERE tenant = @t AND cube_id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
            await DeleteCubeRowsAsync(conn, tx, "DELETE FROM memory_embeddings WHERE tenant = @t AND cube_id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
            await DeleteCubeRowsAsync(conn, tx, "DELETE FROM memory_changes WHERE tenant = @t AND cube_id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
            await DeleteCubeRowsAsync(conn, tx, "DELETE FROM change_counters WHERE tenant = @t AND cube_id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
            await DeleteCubeRowsAsync(conn, tx, "DELETE FROM cubes WHERE tenant = @t AND id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
            await InsertAuditAsync(conn, tx, tenant, audit, ct).ConfigureAwait(false);
            return (int?)memories;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> DeleteCubeRowsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, string tenant, string cubeId, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, sql);
        cmd.Parameters.AddWithValue("t", tenant);
        cmd.Parameters.AddWithValue("c", cubeId);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
