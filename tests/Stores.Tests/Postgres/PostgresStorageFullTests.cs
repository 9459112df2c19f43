using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Postgres;
using Npgsql;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>
/// A full disk on the PostgreSQL server without filling one: in a database of the test's own, a trigger on the memories
/// raises what PostgreSQL raises when it cannot extend a table's file (53100 disk_full), as SQLite's page cap stands in for
/// ENOSPC in <see cref="StorageFullTests"/>. A sequence, which no rollback undoes, counts the writes tried.
/// </summary>
public sealed class PostgresStorageFullTests
{
    [SkippableFact]
    public async Task A_full_disk_refuses_a_write_with_a_typed_error_without_retrying_it_and_a_reinforcing_search_still_answers()
    {
        // 53100 came out raw after the transient retries (a REST 500, not 507), and a search recording its recalls failed
        // outright, where on SQLite the facade skips the reinforcement on StorageFullException.
        await using var db = await TempPostgresDatabase.CreateAsync();
        var store = await PostgresMemoryStore.OpenAsync(db.Options());
        await using var memory = new MemoryOS(store, new Bm25Retriever(store), new MemoryOSOptions { ReinforceOnSearch = true });
        var alice = new Scope(PostgresTestServer.NewTenant(), "alice");
        await memory.CreateCubeAsync(alice, "notes");
        var kept = await memory.AddAsync(alice, "notes", new MemoryDraft("The apple report is due on Friday"));
        await db.ExecuteAsync("""
            CREATE SEQUENCE writes_tried;
            CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM nextval('writes_tried');
                RAISE EXCEPTION 'could not extend file "base/16384/16385": No space left on device' USING ERRCODE = 'disk_full';
            END $$;
            CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON memories FOR EACH ROW EXECUTE FUNCTION disk_full();
            """);

        var full = await Assert.ThrowsAsync<StorageFullException>(() => memory.AddAsync(alice, "notes", new MemoryDraft("The pear report is late")));
        Assert.Equal(PostgresErrorCodes.DiskFull, Assert.IsType<PostgresException>(full.InnerException).SqlState);
        Assert.Equal(1, await WritesTriedAsync(db)); // a full disk is still full a moment later: no retry

        var hits = await memory.SearchAsync(alice, "notes", "apple report");
        Assert.Equal(kept.Id, Assert.Single(hits).Item.Id);
        Assert.Equal(2, await WritesTriedAsync(db)); // the recall was tried, once, and skipped
        Assert.Equal(0, (await memory.GetAsync(alice, kept.Id)).RecallCount);
        Assert.Equal(1, await memory.CountAsync(alice, "notes"));
    }

    private static async Task<long> WritesTriedAsync(TempPostgresDatabase db)
    {
        await using var connection = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using var cmd = new NpgsqlCommand("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM writes_tried;", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
