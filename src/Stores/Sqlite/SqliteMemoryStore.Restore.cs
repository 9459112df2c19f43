namespace AgentMem.Stores.Sqlite;

/// <summary>Restoring an exported cube: every row written as given, in one transaction.</summary>
public sealed partial class SqliteMemoryStore
{
    /// <inheritdoc/>
    public async Task RestoreCubeAsync(MemCube cube, IReadOnlyList<IReadOnlyList<MemoryItem>> histories, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireRestore(cube, histories, audit);
        string tenant = cube.Owner.Tenant;
        await WriteAsync(tenant, (conn, tx) =>
        {
            using (var exists = Command(conn, tx, "SELECT name FROM cubes WHERE tenant = $t AND (name = $n OR id = $n OR name = $id OR id = $id);"))
            {
                exists.Parameters.AddWithValue("$t", tenant);
                exists.Parameters.AddWithValue("$n", cube.Name);
                exists.Parameters.AddWithValue("$id", cube.Id);
                if (exists.ExecuteScalar() is string taken)
                {
                    throw new CubeAlreadyExistsException($"Cube '{taken}' in tenant '{tenant}' already has the name or id of the imported cube ('{cube.Name}', {cube.Id}).");
                }
            }

            using (var insertCube = Command(conn, tx, """
                INSERT INTO cubes(tenant, id, name, owner_user, owner_agent, owner_session, description, grants_json, policy_json, created_at, updated_at)
                VALUES ($t, $id, $n, $u, $a, $s, $d, $g, $p, $c, $m);
                """))
            {
                BindCube(insertCube, cube);
                insertCube.ExecuteNonQuery();
            }

            InsertAudit(conn, tx, tenant, audit with { CubeId = cube.Id });
            using var clash = Command(conn, tx, "SELECT tenant FROM memories WHERE id = $id UNION ALL SELECT tenant FROM memory_versions WHERE memory_id = $id LIMIT 1;");
            using var insert = Command(conn, tx, MemoryRows.InsertSql);
            using var snapshot = Command(conn, tx, "INSERT INTO memory_versions(tenant, memory_id, version, snapshot_json, superseded_at) VALUES ($t, $id, $v, $j, $at);");
            foreach (var history in histories)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var current = history[^1];
                clash.Parameters.Clear();
                clash.Parameters.AddWithValue("$id", current.Id.ToString());
                if (clash.ExecuteScalar() is not null)
                {
                    throw new MemoryStateException($"Memory {current.Id} is already stored in this database; an import never overwrites.");
                }

                MemoryRows.Bind(insert, current);
                insert.ExecuteNonQuery();
                for (int i = 0; i < history.Count - 1; i++)
                {
                    snapshot.Parameters.Clear();
                    snapshot.Parameters.AddWithValue("$t", tenant);
                    snapshot.Parameters.AddWithValue("$id", history[i].Id.ToString());
                    snapshot.Parameters.AddWithValue("$v", history[i].Version);
                    snapshot.Parameters.AddWithValue("$j", StoreJson.Serialize(history[i]));
                    snapshot.Parameters.AddWithValue("$at", SqlValues.Time(history[i + 1].UpdatedAt));
                    snapshot.ExecuteNonQuery();
                }

                WriteTags(conn, tx, tenant, current);
                WriteLinks(conn, tx, tenant, current);
                InsertAudit(conn, tx, tenant, audit with { CubeId = cube.Id, MemoryId = current.Id.ToString(), Version = current.Version });
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }
}
