namespace AgentMem.Stores.Postgres;

/// <summary>Restoring an exported cube: every row written as given, in one transaction (the change-feed trigger records each).</summary>
public sealed partial class PostgresMemoryStore
{
    /// <inheritdoc/>
    public async Task RestoreCubeAsync(MemCube cube, IReadOnlyList<IReadOnlyList<MemoryItem>> histories, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireRestore(cube, histories, audit);
        string tenant = cube.Owner.Tenant;
        await WriteAsync(tenant, async (conn, tx, ct) =>
        {
            using (var exists = Command(conn, tx, "SELECT name FROM cubes WHERE tenant = @t AND (name = @n OR id = @n OR name = @id OR id = @id);"))
            {
                exists.Parameters.AddWithValue("t", tenant);
                exists.Parameters.AddWithValue("n", cube.Name);
                exists.Parameters.AddWithValue("id", cube.Id);
                if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is string taken)
                {
                    throw new CubeAlreadyExistsException($"Cube '{taken}' in tenant '{tenant}' already has the name or id of the imported cube ('{cube.Name}', {cube.Id}).");
                }
            }

            using (var insertCube = Command(conn, tx, """
                INSERT INTO cubes(tenant, id, name, owner_user, owner_agent, owner_session, description, grants_json, policy_json, created_at, updated_at)
                VALUES (@t, @id, @n, @u, @a, @s, @d, @g, @p, @c, @m);
                """))
            {
                BindCube(insertCube, cube);
                try
                {
                    await insertCube.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresTransientErrors.UniqueViolation)
                {
                    throw CubeTaken(cube, ex); // another node made it between the check and the insert
                }
            }

            await InsertAuditAsync(conn, tx, tenant, audit with { CubeId = cube.Id }, ct).ConfigureAwait(false);

            // This tenant's rows only (row-level security); a memory id is unique within its tenant.
            using var clash = Command(conn, tx, "SELECT 1 FROM memories WHERE id = @id UNION ALL SELECT 1 FROM memory_versions WHERE memory_id = @id LIMIT 1;");
            using var insert = Command(conn, tx, PostgresMemoryRows.InsertSql);
            using var snapshot = Command(conn, tx, "INSERT INTO memory_versions(tenant, memory_id, version, snapshot_json, superseded_at) VALUES (@t, @id, @v, @j, @at);");
            foreach (var history in histories)
            {
                ct.ThrowIfCancellationRequested();
                var current = history[^1];
                clash.Parameters.Clear();
                clash.Parameters.AddWithValue("id", current.Id.ToString());
                if (await clash.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
                {
                    throw new MemoryStateException($"Memory {current.Id} is already stored in this database; an import never overwrites.");
                }

                PostgresMemoryRows.Bind(insert, current);
                try
                {
                    await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresTransientErrors.UniqueViolation)
                {
                    throw new MemoryStateException($"Memory {current.Id} is already stored in this database; an import never overwrites.", ex);
                }

                for (int i = 0; i < history.Count - 1; i++)
                {
                    snapshot.Parameters.Clear();
                    snapshot.Parameters.AddWithValue("t", tenant);
                    snapshot.Parameters.AddWithValue("id", history[i].Id.ToString());
                    snapshot.Parameters.AddWithValue("v", history[i].Version);
                    snapshot.Parameters.AddWithValue("j", NpgsqlDbType.Jsonb, StoreJson.Serialize(history[i]));
                    snapshot.Parameters.AddWithValue("at", NpgsqlDbType.TimestampTz, PgValues.Time(history[i + 1].UpdatedAt));
                    await snapshot.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await WriteTagsAsync(conn, tx, tenant, current, ct).ConfigureAwait(false);
                await WriteLinksAsync(conn, tx, tenant, current, ct).ConfigureAwait(false);
                await InsertAuditAsync(conn, tx, tenant, audit with { CubeId = cube.Id, MemoryId = current.Id.ToString(), Version = current.Version }, ct).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }
}
