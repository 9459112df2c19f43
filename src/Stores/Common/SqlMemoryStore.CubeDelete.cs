using System.Data.Common;

namespace AgentMem.Stores.Common;

/// <summary>
/// Deleting a cube's contents: a purge of every memory in it. Besides its own rows, what the rest of the tenant kept of
/// them is scrubbed as a purge scrubs (<see cref="ScrubReferencesAsync"/>).
/// </summary>
public abstract partial class SqlMemoryStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// A purge of every memory in the cube, in one transaction (<see cref="DeleteCubeContentsAsync"/>), ended as a purge
    /// is (<see cref="AfterPurgeAsync"/>: SQLite rebuilds the file and truncates its write-ahead log, PostgreSQL vacuums
    /// the tables). The cube row is locked first and deleted last, since memories reference it.
    /// </remarks>
    public async Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentNullException.ThrowIfNull(audit);
        return await AsOneWriteAsync(() => DeleteCubeOnceAsync(tenant, cubeId, audit, null, cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>The clean-up's steps run as in a purge's transaction (<see cref="PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, PurgeCleanUp, CancellationToken)"/>).</remarks>
    public async Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, PurgeCleanUp cleanUp, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(cleanUp);
        return await AsOneWriteAsync(() => DeleteCubeOnceAsync(tenant, cubeId, audit, cleanUp, cancellationToken)).ConfigureAwait(false);
    }

    private async Task<int?> DeleteCubeOnceAsync(string tenant, string cubeId, AuditRecord audit, PurgeCleanUp? cleanUp, CancellationToken cancellationToken)
    {
        int? removed = await InWriteAsync(tenant, async (conn, tx, ct) =>
        {
            using (var exists = Command(conn, tx, $"SELECT 1 FROM cubes WHERE tenant = @t AND id = @c{Dialect.LockRows};"))
            {
                Dialect.Add(exists, "@t", tenant);
                Dialect.Add(exists, "@c", cubeId);
                if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
                {
                    return (int?)null;
                }
            }

            await BeginPurgeAsync(conn, tx, ct).ConfigureAwait(false);
            int memories = await DeleteCubeContentsAsync(conn, tx, tenant, cubeId, ct).ConfigureAwait(false);
            // PostgreSQL's change counter stays: a cube restored under its id later (an import keeps ids) must number its
            // changes past what readers of the old cube saw, not from 1 again.
            await DeleteCubeRowsAsync(conn, tx, "DELETE FROM cubes WHERE tenant = @t AND id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
            await DeleteCubeCopiesAsync(conn, tx, tenant, cubeId, ct).ConfigureAwait(false);
            await InsertAuditAsync(conn, tx, tenant, audit, ct).ConfigureAwait(false);
            cleanUp?.BeforeCommit?.Invoke([]); // last, as in a purge: only the commit can still fail
            return memories;
        }, cancellationToken).ConfigureAwait(false);
        if (removed is { } count)
        {
            try
            {
                cleanUp?.AfterCommit?.Invoke(count);
            }
            finally
            {
                await AfterPurgeAsync(cubeDeleted: true, cancellationToken).ConfigureAwait(false);
            }
        }

        return removed;
    }

    /// <summary>
    /// Deletes what a cube holds, in an order no reference check refuses: versions, tags and links of its memories, the
    /// memories (their full-text rows go with them), embeddings and the change feed but its purge records, then scrubs what the rest of the
    /// tenant says of them, leaving the cube row to the caller. Returns how many memories it held.
    /// </summary>
    private async Task<int> DeleteCubeContentsAsync(DbConnection conn, DbTransaction? tx, string tenant, string cubeId, CancellationToken ct)
    {
        const string OfCube = "SELECT id FROM memories WHERE tenant = @t AND cube_id = @c";
        var findIds = Command(conn, tx, OfCube + ";");
        Dialect.Add(findIds, "@t", tenant);
        Dialect.Add(findIds, "@c", cubeId);
        var doomed = new PurgedIds(await ReadAllAsync(findIds, r => MemoryId.Parse(r.GetString(0)), ct).ConfigureAwait(false));

        await DeleteCubeRowsAsync(conn, tx, $"DELETE FROM memory_versions WHERE tenant = @t AND memory_id IN ({OfCube});", tenant, cubeId, ct).ConfigureAwait(false);
        await DeleteCubeRowsAsync(conn, tx, $"DELETE FROM memory_tags WHERE tenant = @t AND memory_id IN ({OfCube});", tenant, cubeId, ct).ConfigureAwait(false);
        await DeleteCubeRowsAsync(conn, tx, $"DELETE FROM memory_links WHERE tenant = @t AND (source_id IN ({OfCube}) OR target_id IN ({OfCube}));", tenant, cubeId, ct).ConfigureAwait(false);
        int memories = await DeleteCubeRowsAsync(conn, tx, "DELETE FROM memories WHERE tenant = @t AND cube_id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
        await DeleteCubeRowsAsync(conn, tx, "DELETE FROM memory_embeddings WHERE tenant = @t AND cube_id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
        // The feed keeps the purge records the delete just wrote (op 1): another process's index of the cube learns from
        // them that the memories are gone, also when an export of the cube is restored under its id before it looks.
        await DeleteCubeRowsAsync(conn, tx, "DELETE FROM memory_changes WHERE tenant = @t AND cube_id = @c AND op = 0;", tenant, cubeId, ct).ConfigureAwait(false);
        if (doomed.Count > 0)
        {
            await ScrubReferencesAsync(conn, tx, tenant, doomed, ct).ConfigureAwait(false);
            await EndPurgeAsync(conn, tx, ct).ConfigureAwait(false);
        }

        return memories;
    }

    /// <summary>Runs one DELETE over the rows of cube @c in tenant @t; returns how many went.</summary>
    private protected async Task<int> DeleteCubeRowsAsync(DbConnection conn, DbTransaction? tx, string sql, string tenant, string cubeId, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, sql);
        Dialect.Add(cmd, "@t", tenant);
        Dialect.Add(cmd, "@c", cubeId);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
