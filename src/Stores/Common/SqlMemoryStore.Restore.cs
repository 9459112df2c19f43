namespace AgentMem.Stores.Common;

/// <summary>Restoring an exported cube: every row written as given, its embeddings with them, in one transaction.</summary>
public abstract partial class SqlMemoryStore
{
    /// <inheritdoc/>
    public async Task RestoreCubeAsync(MemCube cube, IReadOnlyList<IReadOnlyList<MemoryItem>> histories, AuditRecord audit, MemoryCore.Export.ArchivedEmbeddings? embeddings = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireRestore(cube, histories, audit, embeddings);
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
            int written = 0;
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
                progress?.Report((++written, histories.Count));
            }

            // In the same transaction: written after it, a failure (a full disk) left the cube restored without them, and the
            // restore could not be run again (the cube's name and id were taken by then).
            if (embeddings is { Vectors.Count: > 0 })
            {
                await InsertEmbeddingsAsync(conn, tx, tenant, cube.Id, embeddings, ct).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts the restored memories' embeddings (every memory is new in this transaction: nothing to replace).</summary>
    private async Task InsertEmbeddingsAsync(DbConnection conn, DbTransaction? tx, string tenant, string cubeId, MemoryCore.Export.ArchivedEmbeddings embeddings, CancellationToken ct)
    {
        using var insert = Command(conn, tx, "INSERT INTO memory_embeddings(tenant, cube_id, memory_id, embedder, text_hash, vector) VALUES (@t, @c, @id, @e, @h, @v);");
        foreach (var embedding in embeddings.Vectors.Values)
        {
            ct.ThrowIfCancellationRequested();
            insert.Parameters.Clear();
            Dialect.Add(insert, "@t", tenant);
            Dialect.Add(insert, "@c", cubeId);
            Dialect.Add(insert, "@id", embedding.MemoryId.ToString());
            Dialect.Add(insert, "@e", embeddings.Embedder);
            Dialect.Add(insert, "@h", embedding.TextHash);
            Dialect.Add(insert, "@v", EmbeddingBlob.Encode(embedding.Vector));
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private static MemoryStateException AlreadyStored(MemoryItem memory, Exception? cause)
    {
        string message = $"Memory {memory.Id} is already stored in this database; an import never overwrites.";
        return cause is null ? new MemoryStateException(message) : new MemoryStateException(message, cause);
    }
}
