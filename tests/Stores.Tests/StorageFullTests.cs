using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>
/// The disk-full path without a full disk: SQLite's <c>max_page_count</c> (the store's internal
/// <see cref="SqliteStoreOptions.MaxPageCount"/>) makes a write that needs a new page fail with SQLITE_FULL, as ENOSPC would.
/// The write is refused with <see cref="StorageFullException"/>, nothing half-written stays, reads and search keep
/// answering (search skips its recall reinforcement), and once there is room again writes succeed.
/// </summary>
public sealed class StorageFullTests : IAsyncDisposable
{
    private readonly TestDatabase db = new();

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task A_purge_whose_rebuild_finds_no_room_stays_done_and_says_the_rebuild_did_not_run()
    {
        var store = db.OpenStore();
        var memory = new MemoryOS(store, new Bm25Retriever(store));
        var alice = TestDatabase.Alice;
        await memory.CreateCubeAsync(alice, "notes");
        var doomed = await memory.AddAsync(alice, "notes", new MemoryDraft("the locker code is 4417"));
        var next = await memory.AddAsync(alice, "notes", new MemoryDraft("the gate code is 9021"));

        // VACUUM builds a copy of the whole file in the temporary folder: a small or full one fails it with SQLITE_FULL
        // after the purge has committed. That once escaped as a raw SqliteException from a purge that had happened.
        store.BeforeVacuum = () => throw new SqliteException("database or disk is full", 13);
        await memory.PurgeAsync(alice, doomed.Id);
        Assert.False(store.LastVacuumComplete);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(alice, doomed.Id));
        Assert.Equal(0L, db.Scalar($"SELECT count(*) FROM memories WHERE id = '{doomed.Id}'"));

        store.BeforeVacuum = null;
        await memory.PurgeAsync(alice, next.Id);
        Assert.True(store.LastVacuumComplete);
    }

    [Fact]
    public async Task A_full_database_refuses_writes_with_a_typed_error_and_keeps_answering_reads()
    {
        var earlier = new Dictionary<MemoryId, string>();
        await using (var memory = Open(maxPages: null))
        {
            await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
            for (int i = 0; i < 10; i++)
            {
                string text = $"Alice planted tomato number {i} in the garden";
                earlier[(await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(text))).Id] = text;
            }
        }

        SqliteConnection.ClearAllPools(); // pooled connections keep the page cap they were opened with
        long pages = db.Scalar("PRAGMA page_count");
        int accepted = 0;
        StorageFullException? full = null;
        await using (var memory = Open(maxPages: pages + 2, reinforce: true))
        {
            for (int i = 0; i < 50 && full is null; i++)
            {
                try
                {
                    await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft($"Filler {i}: " + new string((char)('a' + (i % 26)), 6000)));
                    accepted++;
                }
                catch (StorageFullException ex)
                {
                    full = ex;
                }
            }

            Assert.NotNull(full);
            Assert.Contains(db.FilePath, full.Message, StringComparison.Ordinal);
            Assert.Contains("full", full.Message, StringComparison.Ordinal);

            // Reads and search still answer on the full database (search's recall reinforcement is skipped if it cannot be written).
            foreach (var (id, text) in earlier)
            {
                Assert.Equal(text, (await memory.GetAsync(TestDatabase.Alice, id)).Text);
            }

            var hits = await memory.SearchAsync(TestDatabase.Alice, "notes", "tomato garden");
            Assert.NotEmpty(hits);

            // A second refused write leaves the database as consistent as the first.
            await Assert.ThrowsAsync<StorageFullException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Still no room " + new string('z', 6000))));
        }

        SqliteConnection.ClearAllPools();
        Assert.Equal("ok", IntegrityCheck());
        Assert.Equal(10 + accepted, db.Scalar("SELECT COUNT(*) FROM memories"));
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM memories WHERE text LIKE 'Still no room%'"));

        // With room again (no cap), writes succeed and everything written before is intact.
        await using (var memory = Open(maxPages: null))
        {
            var added = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice harvested the tomatoes " + new string('t', 6000)));
            Assert.StartsWith("Alice harvested", (await memory.GetAsync(TestDatabase.Alice, added.Id)).Text, StringComparison.Ordinal);
            foreach (var (id, text) in earlier)
            {
                Assert.Equal(text, (await memory.GetAsync(TestDatabase.Alice, id)).Text);
            }
        }

        SqliteConnection.ClearAllPools();
        Assert.Equal("ok", IntegrityCheck());
    }

    [Fact]
    public async Task A_disk_that_fills_while_migrating_stops_at_a_committed_step_that_the_next_open_continues_from()
    {
        // A version 1 file with enough memories that seeding the change feed (step 5) needs many new pages.
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "schema_v1.sql")) + """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                INSERT INTO memories(tenant, id, cube_id, kind, text, content_hash, source_kind, recorded_at, version, state, tags_json, keywords_json, importance, updated_at)
                SELECT 'acme', printf('01J%023d', i), '01HZX3Q8Y0AAAAAAAAAAAAAAAA', 0, printf('Alice noted fact number %d about the garden', i),
                    printf('%064d', i), 0, '2024-06-01T10:00:00.0000000+00:00', 1, 0, '[]', '[]', 0.5, '2024-06-01T10:00:00.0000000+00:00'
                FROM n;
                """;
            cmd.ExecuteNonQuery();
        }

        long memories = db.Scalar("SELECT COUNT(*) FROM memories");
        long pages = db.Scalar("PRAGMA page_count");
        var full = Assert.Throws<StorageFullException>(() => SqliteMemoryStore.Open(new SqliteStoreOptions { Path = db.FilePath, MaxPageCount = pages + 12 }));

        // Each step commits on its own: the file is at the last one that committed, whole, and the message says which.
        SqliteConnection.ClearAllPools();
        long reached = db.Scalar("PRAGMA user_version");
        Assert.InRange(reached, 1, SqliteMemoryStore.LatestSchemaVersion - 1);
        Assert.Equal(reached, db.Scalar("SELECT MAX(version) FROM schema_migrations"));
        Assert.Contains(db.FilePath, full.Message, StringComparison.Ordinal);
        Assert.Contains($"at schema version {reached}", full.Message, StringComparison.Ordinal);
        Assert.Equal("ok", IntegrityCheck());

        // With room again, the next open migrates on from there and every memory is still there.
        await using var store = SqliteMemoryStore.Open(db.FilePath);
        Assert.Equal(reached, store.SchemaVersionAtOpen);
        Assert.Equal(SqliteMemoryStore.LatestSchemaVersion, db.Scalar("PRAGMA user_version"));
        Assert.Equal(memories, await store.CountAsync("acme", new MemoryFilter()));
    }

    private MemoryOS Open(long? maxPages, bool reinforce = false)
    {
        var store = SqliteMemoryStore.Open(new SqliteStoreOptions { Path = db.FilePath, MaxPageCount = maxPages });
        return new MemoryOS(store, new Bm25Retriever(store), new MemoryOSOptions { ReinforceOnSearch = reinforce });
    }

    private string IntegrityCheck()
    {
        using var raw = db.Raw();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check;";
        return (string)cmd.ExecuteScalar()!;
    }
}
