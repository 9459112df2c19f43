namespace AgentMem.Stores.Postgres;

/// <summary>Deleting a cube with everything kept for it, in one transaction.</summary>
public sealed partial class PostgresMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Embeddings leave with the memories rows (foreign key); the change-feed entries those deletes append, and the cube's
    /// counter, are removed after them with the rest of its feed.
    /// </remarks>
    public override async Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default)
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

            int memories = await DeleteCubeContentsAsync(conn, tx, tenant, cubeId, ct).ConfigureAwait(false);
            await DeleteCubeRowsAsync(conn, tx, "DELETE FROM change_counters WHERE tenant = @t AND cube_id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
            await DeleteCubeRowsAsync(conn, tx, "DELETE FROM cubes WHERE tenant = @t AND id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
            await InsertAuditAsync(conn, tx, tenant, audit, ct).ConfigureAwait(false);
            return (int?)memories;
        }, cancellationToken).ConfigureAwait(false);
    }
}
