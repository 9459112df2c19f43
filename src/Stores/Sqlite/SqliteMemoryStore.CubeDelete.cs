namespace AgentMem.Stores.Sqlite;

public sealed partial class SqliteMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Runs with <c>secure_delete</c> and scrubs the write-ahead log after, like a purge: the cube's text must not linger
    /// in free pages. The full-text rows and embeddings leave with the memories rows (triggers); the change-feed entries
    /// those deletes append are then removed with the rest of the cube's feed.
    /// </remarks>
    public override async Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentNullException.ThrowIfNull(audit);
        int? removed = await InWriteAsync(tenant, async (conn, tx, ct) =>
        {
            await BeginPurgeAsync(conn, tx, ct).ConfigureAwait(false);
            if (await DeleteCubeRowsAsync(conn, tx, "DELETE FROM cubes WHERE tenant = @t AND id = @c;", tenant, cubeId, ct).ConfigureAwait(false) == 0)
            {
                return (int?)null;
            }

            int memories = await DeleteCubeContentsAsync(conn, tx, tenant, cubeId, ct).ConfigureAwait(false);
            await InsertAuditAsync(conn, tx, tenant, audit, ct).ConfigureAwait(false);
            return memories;
        }, cancellationToken).ConfigureAwait(false);
        if (removed is not null)
        {
            ScrubWriteAheadLog();
        }

        return removed;
    }
}
