using AgentMem.Common.Traces;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>
/// Forgetting a user, or deleting a cube, on PostgreSQL leaves no byte of the erased text in the database's files: the
/// store runs VACUUM (FULL) on the tables a purge touched after its transaction (a plain VACUUM left the token in
/// memories, memory_versions and the full-text index when measured), and the test checkpoints so the server's buffers
/// are on disk, then reads every file of the database's folder with forget --verify's scan. The write-ahead log is reported, not asserted: PostgreSQL
/// recycles its segments without zeroing them, so a forgotten text can stay there until a segment is reused.
/// </summary>
[Collection(PostgresErasureCollection.Name)]
public sealed class PostgresForgetTraceTests(ITestOutputHelper output)
{
    [SkippableFact]
    public Task No_file_of_the_database_holds_a_forgotten_user_s_token_after_the_store_vacuums() =>
        EraseAndScanAsync(secretCube: "shared", (memory, owner) => memory.ForgetUserAsync(owner, "ursula"));

    [SkippableFact]
    public Task No_file_of_the_database_holds_a_deleted_cube_s_token_after_the_store_vacuums() =>
        EraseAndScanAsync(secretCube: "vault", (memory, owner) => memory.DeleteCubeAsync(owner, "vault"));

    /// <summary>
    /// Ursula's secret (with an update whose reason holds the token) in <paramref name="secretCube"/>, Victor's neighbour in
    /// "shared" linked to it by an evolution naming the token (a cube of its own, updated once, has the token in its
    /// description); then <paramref name="erase"/>, a checkpoint, and the scan.
    /// </summary>
    private async Task EraseAndScanAsync(string secretCube, Func<MemoryOS, Scope, Task> erase)
    {
        // Unique per run, and lower-case, as the full-text index stores it.
        string token = "pgforget" + Guid.NewGuid().ToString("N")[..12];
        await using var db = await TempPostgresDatabase.CreateAsync();
        var store = await PostgresMemoryStore.OpenAsync(db.Options());
        await using var memory = new MemoryOS(store, new Bm25Retriever(store));
        var owner = new Scope(PostgresTestServer.NewTenant());
        var ursula = new Scope(owner.Tenant, "ursula");
        await memory.CreateCubeAsync(owner, "shared");
        if (secretCube != "shared")
        {
            // The cube's own text goes with it: its description, in the cube row, that row's version before the update
            // and the update's write-ledger row (which held the whole cube).
            await memory.CreateCubeAsync(owner, secretCube, description: $"where {token} is kept");
            await memory.SetPolicyAsync(owner, secretCube, p => p with { MaxItems = 500 });
        }

        var secret = await memory.AddAsync(ursula, secretCube, new MemoryDraft($"ursula's passphrase is {token}"));
        await memory.UpdateAsync(ursula, secret.Id, new MemoryChange { Text = $"ursula's passphrase is still {token}", Reason = $"retyped {token}" });
        var victor = new Scope(owner.Tenant, "victor");
        var neighbour = await memory.AddAsync(victor, "shared", new MemoryDraft("victor keeps passphrases in a notebook"));
        await memory.UpdateAsync(victor, neighbour.Id, new MemoryChange
        {
            Links = [new MemoryLink(secret.Id, "related", 0.9, $"shares {token}")],
            Reason = $"evolved: linked from {secret.Id} (related; shares {token})",
        });
        await memory.UpdateAsync(victor, neighbour.Id, new MemoryChange { Importance = 0.8, Reason = "reweighed" });

        string databaseFolder = await DatabaseFolderOrSkipAsync(db.ConnectionString);
        await CheckpointAsync(db.ConnectionString);
        Assert.NotEmpty(TraceScan.Find([databaseFolder], token));

        await erase(memory, owner);
        await CheckpointAsync(db.ConnectionString);

        Assert.True(store.LastVacuumComplete, "the store's VACUUM (FULL) after the purge gave up");
        var left = TraceScan.Find([databaseFolder], token);
        Assert.True(left.Count == 0, $"files still holding the token: {await DescribeAsync(db.ConnectionString, left)}");
        Assert.Equal(3, (await memory.GetHistoryAsync(victor, neighbour.Id)).Count);
        var wal = TraceScan.Find([Path.Combine(databaseFolder, "..", "..", "pg_wal")], token);
        output.WriteLine(wal.Count == 0
            ? "pg_wal: no segment holds the token"
            : $"pg_wal: {wal.Count} segment(s) still hold the token (recycled, not zeroed, until reused): {string.Join(", ", wal.Select(h => Path.GetFileName(h.Path)))}");
    }

    // A file under base/ is named by its relation's file node: say which table or index it is.
    private static async Task<string> DescribeAsync(string connectionString, IReadOnlyList<TraceHit> hits)
    {
        await using var connection = await PostgresTestServer.RawAsync(connectionString);
        var names = new List<string>();
        foreach (var hit in hits)
        {
            string file = Path.GetFileName(hit.Path);
            await using var find = new NpgsqlCommand("SELECT relname::text FROM pg_class WHERE pg_relation_filenode(oid)::text = split_part(@f, '_', 1) LIMIT 1;", connection);
            find.Parameters.AddWithValue("f", file);
            names.Add($"{hit.Path} ({await find.ExecuteScalarAsync() ?? "?"})");
        }

        return string.Join(", ", names);
    }

    // The folder of this test's own database (base/OID): table, index, TOAST, free-space and visibility-map files. Other
    // databases are left out: tests elsewhere create and drop theirs while this one reads.
    private static async Task<string> DatabaseFolderOrSkipAsync(string connectionString)
    {
        await using var connection = await PostgresTestServer.RawAsync(connectionString);
        string directory;
        try
        {
            await using var show = new NpgsqlCommand("SELECT current_setting('data_directory') || '/base/' || oid FROM pg_database WHERE datname = current_database();", connection);
            directory = (string)(await show.ExecuteScalarAsync())!;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            Skip.If(true, $"the test role may not read data_directory ({ex.MessageText}); grant it pg_read_all_settings and pg_checkpoint (.ci/postgres does)");
            throw;
        }

        try
        {
            _ = Directory.EnumerateFiles(directory).Count();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or DirectoryNotFoundException or IOException)
        {
            Skip.If(true, $"the data directory {directory} is not readable here ({ex.Message}): the server runs on another machine or as another user");
        }

        return directory;
    }

    private static async Task CheckpointAsync(string connectionString)
    {
        await using var connection = await PostgresTestServer.RawAsync(connectionString);
        try
        {
            await using var checkpoint = new NpgsqlCommand("CHECKPOINT;", connection);
            await checkpoint.ExecuteNonQueryAsync();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            Skip.If(true, $"the test role may not CHECKPOINT ({ex.MessageText}), so the files need not hold what the server does; grant it pg_checkpoint (.ci/postgres does)");
        }
    }
}
