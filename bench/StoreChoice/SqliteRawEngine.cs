using System.Globalization;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Model;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// SQLite without our store layer: the store's own schema (its triggers still write the FTS5 row and the change-feed
/// row), one long-lived connection, prepared statements, WAL and synchronous=FULL as the store ships. The gap to
/// <see cref="SqliteStoreEngine"/> is our overhead; what remains is the engine's. Ingest only.
/// </summary>
internal sealed class SqliteRawEngine : IEngineUnderTest
{
    private readonly SqliteConnection connection;

    public SqliteRawEngine(string path)
    {
        SqliteMemoryStore.Open(path).DisposeAsync().AsTask().GetAwaiter().GetResult(); // creates and migrates the schema
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
    }

    public void CreateCubes(IReadOnlyList<MemCube> cubes)
    {
        foreach (var cube in cubes)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "INSERT INTO cubes(tenant, id, name, grants_json, policy_json, created_at, updated_at) VALUES ($t, $id, $n, '[]', '{}', $c, $c);";
            cmd.Parameters.AddWithValue("$t", Workload.Tenant);
            cmd.Parameters.AddWithValue("$id", cube.Id);
            cmd.Parameters.AddWithValue("$n", cube.Name);
            cmd.Parameters.AddWithValue("$c", Time(cube.CreatedAt));
            cmd.ExecuteNonQuery();
        }
    }

    public void Add(IReadOnlyList<MemoryItem> batch)
    {
        using var tx = connection.BeginTransaction(deferred: false);
        using var cube = Prepare(tx, "SELECT 1 FROM cubes WHERE tenant = $t AND id = $c;", "$t", "$c");
        using var duplicate = Prepare(tx, "SELECT id FROM memories WHERE tenant = $t AND cube_id = $c AND content_hash = $h AND state IN (0, 1, 3) LIMIT 1;", "$t", "$c", "$h");
        using var insert = Prepare(tx, """
            INSERT INTO memories(tenant, id, cube_id, user_id, kind, text, content_hash, source_kind, source_ref, actor, recorded_at,
                valid_from, version, state, tags_json, keywords_json, importance, strength, recall_count, updated_at)
            VALUES ($t, $id, $c, $u, $k, $text, $h, $sk, $sr, $a, $r, $vf, $v, $s, '[]', '[]', $imp, $str, 0, $up);
            """, "$t", "$id", "$c", "$u", "$k", "$text", "$h", "$sk", "$sr", "$a", "$r", "$vf", "$v", "$s", "$imp", "$str", "$up");
        using var audit = Prepare(tx, "INSERT INTO audit_log(tenant, at, user_id, action, cube_id, memory_id, version) VALUES ($t, $at, $u, 'add', $c, $m, $v);", "$t", "$at", "$u", "$c", "$m", "$v");
        var checkedCubes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in batch)
        {
            if (checkedCubes.Add(item.CubeId) && Run(cube, Workload.Tenant, item.CubeId) is null)
            {
                throw new InvalidOperationException($"No cube '{item.CubeId}'.");
            }

            if (Run(duplicate, Workload.Tenant, item.CubeId, item.ContentHash) is not null)
            {
                continue;
            }

            Run(insert, Workload.Tenant, item.Id.ToString(), item.CubeId, item.Scope.User, (int)item.Kind, item.Text, item.ContentHash,
                (int)item.Provenance.Source, item.Provenance.SourceRef, item.Provenance.Actor, Time(item.Provenance.RecordedAt),
                item.ValidFrom is { } from ? Time(from) : null, item.Version, (int)item.State, item.Importance, item.Strength, Time(item.UpdatedAt));
            Run(audit, Workload.Tenant, Time(item.UpdatedAt), "bench", item.CubeId, item.Id.ToString(), item.Version);
        }

        tx.Commit();
    }

    public IReadOnlyList<string> Search(string cubeId, string question, int limit) =>
        throw new NotSupportedException("The raw SQLite engine only measures ingest; search goes through the store.");

    public IReadOnlyDictionary<string, string> ReadHashes(IReadOnlyList<string> ids) =>
        throw new NotSupportedException("The raw SQLite engine only measures ingest.");

    public void CheckWhole() => throw new NotSupportedException("The raw SQLite engine only measures ingest.");

    public void Dispose() => connection.Dispose();

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static object? Run(SqliteCommand cmd, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return cmd.ExecuteScalar();
    }

    private SqliteCommand Prepare(SqliteTransaction tx, string sql, params string[] names)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (string name in names)
        {
            cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return cmd;
    }

    private void Execute(string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
