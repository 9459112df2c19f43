namespace AgentMem.Stores.Common;

/// <summary>Restoring an exported cube: every row written as given, in one transaction.</summary>
public abstract partial class SqlMemoryStore
{
    /// <inheritdoc/>
    public async Task RestoreCubeAsync(MemCube cube, IReadOnlyList<IReadOnlyList<MemoryItem>> histories, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireRestore(cube, histories, audit);
        string tenant = cube.Owner.Tenant;
        await InWriteAsync(tenant, async (conn, tx, ct) =>
        {
            using (var exists = Command(conn, tx, "SELECT name FROM cubes WHERE tenant = @t AND (name = @n OR id = @n OR name = @id OR id = @id);"))
            {
                Dialect.Add(exists, "@t", tenant);
                Dialect.Add(exists, "@n", cube.Name);
                Dialect.Add(exists, "@id", cube.Id);
                if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is string taken)
                {
                    throw new CubeAlreadyExistsException($"Cube '{taken}' in tenant '{tenant}' already has the name or id of the imported cube ('{cube.Name}', {cube.Id}).");
                }
            }

            await InsertCubeAsync(conn, tx, cube, ct).ConfigureAwait(false);
            await InsertAuditAsync(conn, tx, tenant, audit with { CubeId = cube.Id }, ct).ConfigureAwait(false);

            using var clash = Command(conn, tx, Dialect.MemoryIdTakenSql);
            using var insert = Command(conn, tx, MemoryRows.InsertSql);
            using var snapshot = SnapshotCommand(conn, tx);
            foreach (var history in histories)
            {
                ct.ThrowIfCancellationRequested();
                var current = history[^1];
                clash.Parameters.Clear();
                Dialect.Add(clash, "@t", tenant);
                Dialect.Add(clash, "@id", current.Id.ToString());
                if (await clash.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
                {
                    throw AlreadyStored(current, null);
                }

                MemoryRows.Bind(insert, Dialect, current);
                try
                {
                    await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (Dialect.IsConcurrentUniqueViolation(ex))
                {
                    throw AlreadyStored(current, ex);
                }

                for (int i = 0; i < history.Count - 1; i++)
                {
                    await InsertSnapshotAsync(snapshot, tenant, history[i], history[i + 1].UpdatedAt, ct).ConfigureAwait(false);
                }

                await WriteTagsAsync(conn, tx, tenant, current, ct).ConfigureAwait(false);
                await WriteLinksAsync(conn, tx, tenant, current, ct).ConfigureAwait(false);
                await InsertAuditAsync(conn, tx, tenant, audit with { CubeId = cube.Id, MemoryId = current.Id.ToString(), Version = current.Version }, ct).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static MemoryStateException AlreadyStored(MemoryItem memory, Exception? cause)
    {
        string message = $"Memory {memory.Id} is already stored in this database; an import never overwrites.";
        return cause is null ? new MemoryStateException(message) : new MemoryStateException(message, cause);
    }
}
