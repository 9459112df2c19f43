using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.Postgres;
using static AgentMem.Stores.Tests.Postgres.PostgresTestData;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>Two stores on one database, as two nodes: concurrent writes are neither lost nor duplicated, and the change feed keeps its promise.</summary>
public sealed class PostgresConcurrencyTests
{
    [SkippableFact]
    public async Task An_add_to_a_cube_deleted_meanwhile_is_refused_as_no_cube()
    {
        // The add's check read the cube unlocked: deleted before the insert, the foreign key failed it with a raw 23503.
        await using var db = await TempPostgresDatabase.CreateAsync();
        await using var store = await PostgresMemoryStore.OpenAsync(db.Options());
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);

        await using var deleter = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using var tx = await deleter.BeginTransactionAsync();
        await using (var bind = new Npgsql.NpgsqlCommand($"SELECT set_config('agentmem.tenant', '{tenant}', true);", deleter, tx))
        {
            await bind.ExecuteNonQueryAsync();
        }

        await using (var lockCube = new Npgsql.NpgsqlCommand("SELECT id FROM cubes WHERE id = @c FOR UPDATE;", deleter, tx))
        {
            lockCube.Parameters.AddWithValue("c", cube.Id);
            await lockCube.ExecuteNonQueryAsync();
        }

        var add = store.AddAsync(tenant, [Item(cube, "late")], new AddOptions(false), Audit(tenant, "add"));
        await Task.Delay(300);
        await using (var delete = new Npgsql.NpgsqlCommand("DELETE FROM change_counters WHERE cube_id = @c; DELETE FROM cubes WHERE id = @c;", deleter, tx))
        {
            delete.Parameters.AddWithValue("c", cube.Id);
            await delete.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
        await Assert.ThrowsAsync<CubeNotFoundException>(() => add);
    }

    [SkippableTheory]
    [InlineData("add")]
    [InlineData("replace")]
    public async Task A_reader_paging_the_audit_log_by_sequence_misses_no_line_of_a_write_that_commits_after_a_later_one(string slowWrite)
    {
        // Identity numbers were drawn at insert: a write that drew its line's number, then waited, committed after a
        // write that drew a higher one. A reader that had paged past the higher number never saw the lower line. Adds and
        // replacements (updates, state changes, deletes) write their lines by different roads; both are checked.
        await using var db = await TempPostgresDatabase.CreateAsync();
        await using var store = await PostgresMemoryStore.OpenAsync(db.Options());
        var (tenant, first) = await PostgresTestServer.NewCubeAsync(store);
        var second = Cube(tenant, "second");
        await store.CreateCubeAsync(second, Audit(tenant, "cube.create"));
        var (one, two) = (Item(first, "one"), Item(first, "two"));
        await store.AddAsync(tenant, [one, two], new AddOptions(false), Audit(tenant, "add"));
        long cursor = (await store.ReadAuditAsync(tenant)).Max(a => a.Sequence);

        // A gate inside the slow write, between its first memory (and that one's audit line) and its second.
        const long Gate = 4242;
        await db.ExecuteAsync($$"""
            CREATE FUNCTION test_gate() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN IF NEW.text = 'gated' THEN PERFORM pg_advisory_xact_lock({{Gate}}); END IF; RETURN NEW; END $f$;
            CREATE TRIGGER test_gate BEFORE INSERT OR UPDATE ON memories FOR EACH ROW EXECUTE FUNCTION test_gate();
            """);
        await using var gate = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using (var close = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({Gate});", gate))
        {
            await close.ExecuteNonQueryAsync();
        }

        Task slow = slowWrite == "add"
            ? store.AddAsync(tenant, [Item(first, "before the gate"), Item(first, "gated")], new AddOptions(false), Audit(tenant, "add"))
            : store.ReplaceManyAsync(tenant, [Replacing(one, "before the gate"), Replacing(two, "gated")]);
        await using (var waiting = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = {Gate};", gate))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((long)(await waiting.ExecuteScalarAsync())! == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the slow write never reached the gate");
                Assert.False(slow.IsCompleted, "the slow write finished without reaching the gate");
                await Task.Delay(20);
            }
        }

        await store.AddAsync(tenant, [Item(second, "fast")], new AddOptions(false), Audit(tenant, "add"));
        var seen = new List<AuditRecord>(await store.ReadAuditAsync(tenant, new AuditQuery { After = cursor }));
        await using (var open = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock({Gate});", gate))
        {
            await open.ExecuteNonQueryAsync();
        }

        await slow;
        seen.AddRange(await store.ReadAuditAsync(tenant, new AuditQuery { After = seen.Count == 0 ? cursor : seen[^1].Sequence }));
        var all = await store.ReadAuditAsync(tenant, new AuditQuery { After = cursor });
        Assert.Equal(3, all.Count);
        Assert.Equal(all.Select(a => a.Sequence), seen.Select(a => a.Sequence));

        MemoryReplacement Replacing(MemoryItem current, string text) => new(
            current with { State = LifecycleState.Superseded },
            current with { Version = current.Version + 1, Text = text, ContentHash = Hash(text) },
            Audit(tenant, "memory.update") with { CubeId = current.CubeId, MemoryId = current.Id.ToString(), Version = current.Version + 1 });
    }

    [SkippableFact]
    public async Task The_change_feed_of_concurrent_writers_is_gapless_and_never_grows_below_what_a_reader_saw()
    {
        await using var nodeA = await PostgresTestServer.OpenAsync();
        await using var nodeB = await PostgresTestServer.OpenAsync();
        await using var readerNode = await PostgresTestServer.OpenAsync();
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(nodeA);

        const int WritersPerNode = 4, AddsPerWriter = 15;
        using var done = new CancellationTokenSource();
        var seen = new List<MemoryChangeRecord>();

        // The reader applies the feed as an index would: only entries above what it has applied.
        var reader = Task.Run(async () =>
        {
            long applied = 0;
            while (true)
            {
                bool last = done.IsCancellationRequested;
                foreach (var change in await readerNode.ReadChangesAsync(tenant, cube.Id, applied, 1000))
                {
                    Assert.True(change.Sequence > applied);
                    seen.Add(change);
                    applied = change.Sequence;
                }

                if (last)
                {
                    return;
                }
            }
        });

        var writers = new[] { nodeA, nodeB }.SelectMany(node => Enumerable.Range(0, WritersPerNode).Select(w => Task.Run(async () =>
        {
            var ids = new List<MemoryId>();
            for (int i = 0; i < AddsPerWriter; i++)
            {
                var item = Item(cube, $"{node.GetHashCode()} writer {w} fact {i}");
                await node.AddAsync(tenant, [item], new AddOptions(true), Audit(tenant, "add"));
                ids.Add(item.Id);
            }

            return ids;
        }))).ToList();
        var written = (await Task.WhenAll(writers)).SelectMany(ids => ids).ToList();
        await done.CancelAsync();
        await reader;

        int total = 2 * WritersPerNode * AddsPerWriter;
        Assert.Equal(total, written.Distinct().Count());
        var all = await readerNode.ReadChangesAsync(tenant, cube.Id, 0, 10_000);
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), all.Select(c => c.Sequence));
        Assert.Equal(all, seen); // nothing appeared below the reader's mark after it had passed
        Assert.Equal(written.Order(), all.Select(c => c.MemoryId).Order());
        Assert.Equal(total, await nodeB.GetChangeSequenceAsync(tenant, cube.Id));
        Assert.Equal(total, (await nodeA.ListAsync(tenant, new MemoryFilter(), 1000)).Count);
    }

    [SkippableFact]
    public async Task Of_two_nodes_replacing_the_same_version_one_wins_and_the_other_gets_a_state_error()
    {
        await using var nodeA = await PostgresTestServer.OpenAsync();
        await using var nodeB = await PostgresTestServer.OpenAsync();
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(nodeA);

        for (int round = 0; round < 10; round++)
        {
            var item = Item(cube, $"contested {round}");
            await nodeA.AddAsync(tenant, [item], new AddOptions(true), Audit(tenant, "add"));
            var current = (await nodeA.GetAsync(tenant, item.Id))!;
            var superseded = current with { State = LifecycleState.Superseded };
            Task Replace(PostgresMemoryStore node, string text) => node.ReplaceAsync(
                tenant, superseded, current with { Version = 2, Text = text, ContentHash = Hash(text) }, Audit(tenant, "update"));

            var results = await Task.WhenAll(
                Capture(Task.Run(() => Replace(nodeA, $"A wins {round}"))),
                Capture(Task.Run(() => Replace(nodeB, $"B wins {round}"))));
            Assert.Single(results, r => r is null);
            Assert.IsType<MemoryVersionConflictException>(Assert.Single(results, r => r is not null));

            var history = await nodeB.GetHistoryAsync(tenant, item.Id);
            Assert.Equal([1, 2], history.Select(h => h.Version));
            // The add's entry gave way to the winning replace's (one entry per memory, step 9).
            var change = Assert.Single(await nodeA.ReadChangesAsync(tenant, cube.Id, 0, 1000), c => c.MemoryId == item.Id);
            Assert.Equal(await nodeA.GetChangeSequenceAsync(tenant, cube.Id), change.Sequence);
        }
    }

    [SkippableFact]
    public async Task The_same_content_added_by_two_nodes_at_once_is_stored_once()
    {
        await using var nodeA = await PostgresTestServer.OpenAsync();
        await using var nodeB = await PostgresTestServer.OpenAsync();
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(nodeA);

        for (int round = 0; round < 10; round++)
        {
            string text = $"said twice {round}";
            var outcomes = await Task.WhenAll(
                Task.Run(() => nodeA.AddAsync(tenant, [Item(cube, text)], new AddOptions(true), Audit(tenant, "add"))),
                Task.Run(() => nodeB.AddAsync(tenant, [Item(cube, text)], new AddOptions(true), Audit(tenant, "add"))));
            Assert.Single(outcomes, o => o[0].Created);
            Assert.Equal(outcomes[0][0].Id, outcomes[1][0].Id);
        }

        Assert.Equal(10, (await nodeA.ListAsync(tenant, new MemoryFilter(), 100)).Count);
    }

    [SkippableFact]
    public async Task Concurrent_recalls_from_two_nodes_lose_no_increment()
    {
        await using var nodeA = await PostgresTestServer.OpenAsync();
        await using var nodeB = await PostgresTestServer.OpenAsync();
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(nodeA);
        var items = new[] { Item(cube, "first"), Item(cube, "second") };
        await nodeA.AddAsync(tenant, items, new AddOptions(true), Audit(tenant, "add"));

        // Opposite id orders on the two nodes invite deadlocks; the loser is retried, and still counts once.
        var recalls = Enumerable.Range(0, 20).Select(i => Task.Run(() => (i % 2 == 0 ? nodeA : nodeB).RecordRecallsAsync(
            tenant, i % 2 == 0 ? [items[0].Id, items[1].Id] : [items[1].Id, items[0].Id], Now.AddHours(i), Audit(tenant, "recall"))));
        await Task.WhenAll(recalls);
        Assert.All(await nodeA.GetManyAsync(tenant, items.Select(i => i.Id).ToList()), m => Assert.Equal(20, m.RecallCount));
    }

    private static async Task<Exception?> Capture(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
