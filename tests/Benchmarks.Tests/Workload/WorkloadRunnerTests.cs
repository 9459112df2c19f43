using AgentMem.Benchmarks.Workload;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Benchmarks.Tests.Workload;

public sealed class WorkloadRunnerTests
{
    [Fact]
    public async Task Grows_one_cube_per_engine_through_the_sizes_and_asks_the_host_for_each_cold_probe()
    {
        var opened = new List<(string Db, bool Rebuild)>();
        var probes = new List<ColdProbeRequest>();
        var options = new WorkloadOptions
        {
            Sizes = [6, 12],
            Iterations = 3,
            ReferenceMax = 6,
            ReferenceIterations = 2,
            BatchSize = 2,
            ColdProbes = 1,
            Open = (db, hybrid) =>
            {
                opened.Add((db, hybrid.RebuildOnWrite));
                var store = SqliteMemoryStore.Open(db);
                return new MemoryOS(store, DefaultRetrievers.Create(store, hybrid: hybrid));
            },
            ColdProbe = async (request, ct) =>
            {
                // In process here (the CLI starts a child); what matters is that the file holds the cube at that size.
                probes.Add(request);
                var store = SqliteMemoryStore.Open(request.DbPath);
                await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store, hybrid: request.Engine.CreateHybridOptions()));
                var hits = await memory.SearchAsync(new Scope(request.Tenant), request.Cube, request.Query, request.K, cancellationToken: ct);
                return new ColdProbeResult(Environment.ProcessId, 0, 1, hits.Count, 1);
            },
        };

        var result = await new WorkloadRunner(options).RunAsync(ConversationReplayTests.Toy());

        Assert.Equal([("default", 6, 3), ("default", 12, 3), ("full-rebuild", 6, 2)], result.Rows.Select(r => (r.Engine, r.Size, r.Iterations)));
        Assert.All(result.Rows, r => Assert.Equal(r.Size, r.Memories));
        Assert.All(result.Rows, r => Assert.Equal(0, r.FreshHitMisses));
        Assert.All(result.Rows, r => Assert.Equal(r.Iterations, r.AfterWrite.IngestCount));
        Assert.All(result.Rows, r => Assert.Equal(r.Iterations, r.Steady.SearchCount));
        Assert.All(result.Rows, r => Assert.True(r.AfterWriteToSteady > 0));
        Assert.Equal([false, true], opened.Select(o => o.Rebuild));
        Assert.Equal(3, probes.Count);
        Assert.Equal([false, false, true], probes.Select(p => p.Engine.RebuildOnWrite));
        Assert.All(probes, p => Assert.Equal("workload", p.Cube));

        // No work folder was asked for: the temporary one is gone.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Assert.All(opened, o => Assert.False(Directory.Exists(Path.GetDirectoryName(o.Db))));
    }

    [Fact]
    public async Task The_cold_columns_report_the_median_of_the_probes_and_keep_every_sample()
    {
        var times = new Queue<double>([5, 1, 3]);
        var options = OneSize(coldProbes: 3);
        options.ColdProbe = (request, ct) => Task.FromResult(new ColdProbeResult(Environment.ProcessId, 0, times.Dequeue(), 1, 1));

        var row = Assert.Single((await new WorkloadRunner(options).RunAsync(ConversationReplayTests.Toy())).Rows);

        Assert.Equal(3, row.Cold!.OpenAndFirstSearchMs);
        Assert.Equal([5.0, 1.0, 3.0], row.ColdSamplesMs);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkloadOptions { ColdProbes = 0, Open = options.Open }.Validate());
    }

    [Fact]
    public async Task With_an_even_number_of_probes_the_cold_columns_report_the_mean_of_the_middle_two()
    {
        var probes = new Queue<ColdProbeResult>([new(11, 1, 4, 1, 10), new(12, 0, 1, 1, 6)]);
        var options = OneSize(coldProbes: 2);
        options.ColdProbe = (request, ct) => Task.FromResult(probes.Dequeue());

        var row = Assert.Single((await new WorkloadRunner(options).RunAsync(ConversationReplayTests.Toy())).Rows);

        // Two probes of 5 and 1 ms: the median is 3, not the faster one.
        Assert.Equal(3, row.Cold!.OpenAndFirstSearchMs);
        Assert.Equal((0.5, 2.5, 8.0), (row.Cold.OpenMs, row.Cold.FirstSearchMs, row.Cold.WallMs));
        Assert.Equal([5.0, 1.0], row.ColdSamplesMs);
    }

    [Fact]
    public async Task Growth_time_is_the_batched_adds_alone_not_the_embedding_drain_or_the_settling_after_them()
    {
        var options = OneSize();
        options.DrainEmbeddings = async (memory, ct) =>
        {
            await Task.Delay(50, ct);
            return 4;
        };
        options.Settle = (memory, ct) => Task.Delay(50, ct);

        var row = Assert.Single((await new WorkloadRunner(options).RunAsync(ConversationReplayTests.Toy())).Rows);

        // The drain is reported on its own, from the last write: growth plus drain is the span since the first write.
        var drain = row.Drain!;
        Assert.Equal(drain.SinceGrowthStartMs, row.GrowMs + drain.AfterLastWriteMs, 6);
        Assert.True(drain.AfterLastWriteMs >= 50, drain.ToString());
    }

    [Fact]
    public async Task Each_drain_counts_the_memories_of_its_own_growth_not_the_rounds_before_it()
    {
        // A queue that has embedded every memory the cube holds: the running total is the cube's size.
        var options = OneSize();
        options.Sizes = [4, 8];
        options.DrainEmbeddings = async (memory, ct) =>
            (await memory.GetStatsAsync(new Scope(options.Tenant), options.CubeName, ct)).ByState[LifecycleState.Active];

        var rows = (await new WorkloadRunner(options).RunAsync(ConversationReplayTests.Toy())).Rows;

        // 4 - 2 rounds = 2 grown, then from 4 to 8 - 2 = 6: 2 again. The second drain counted the 2 round memories of
        // size 4 as well, and its memories/s was half as high again as the queue's.
        Assert.Equal([2L, 2L], rows.Select(r => r.Drain!.Embedded));
    }

    [Fact]
    public void Sizes_must_leave_room_for_the_measured_rounds()
    {
        static MemoryOS Open(string db, HybridOptions hybrid) => throw new InvalidOperationException("not opened in this test");
        Assert.Throws<ArgumentException>(() => new WorkloadRunner(new WorkloadOptions { Sizes = [100, 140], Iterations = 50, Open = Open }));
        Assert.Throws<ArgumentException>(() => new WorkloadRunner(new WorkloadOptions { Sizes = [20], Iterations = 50, Open = Open }));
        Assert.Throws<ArgumentException>(() => new WorkloadRunner(new WorkloadOptions { Sizes = [100], Iterations = 50 }));

        // The reference runs only up to ReferenceMax, with its own round count.
        var options = new WorkloadOptions { Sizes = [100, 1_000], Iterations = 50, ReferenceMax = 100, ReferenceIterations = 10, Open = Open };
        Assert.Equal([("default", 2, 50), ("full-rebuild", 1, 10)], options.Plan().Select(p => (p.Engine.Name, p.Sizes.Count, p.Iterations)));
    }

    [Fact]
    public async Task Each_store_runs_every_engine_on_a_database_of_its_own_labelled_with_the_store_and_removed_afterwards()
    {
        var made = new List<string>();
        var deleted = new List<string>();
        WorkloadStore Store(string name) => new(
            name,
            async (engine, directory, ct) =>
            {
                string db = await WorkloadStore.SqliteFile.CreateAsync($"{name}-{engine}", directory, ct);
                made.Add(db);
                return db;
            },
            (db, ct) =>
            {
                deleted.Add(db);
                return Task.CompletedTask;
            });
        var options = new WorkloadOptions
        {
            Sizes = [6],
            Iterations = 2,
            ReferenceMax = 0,
            BatchSize = 3,
            ColdProbes = 1,
            Stores = [Store("one"), Store("two")],
            Open = (db, hybrid) =>
            {
                var store = SqliteMemoryStore.Open(db);
                return new MemoryOS(store, DefaultRetrievers.Create(store, hybrid: hybrid));
            },
        };

        var result = await new WorkloadRunner(options).RunAsync(ConversationReplayTests.Toy());

        Assert.Equal(["one default", "two default"], result.Rows.Select(r => r.Engine));
        Assert.All(result.Rows, r => Assert.Equal(6, r.Memories));
        Assert.Equal(2, made.Distinct().Count());
        Assert.Equal(made, deleted);
        Assert.Throws<ArgumentException>(() => new WorkloadOptions { Stores = [Store("same"), Store("same")], Open = options.Open }.Validate());
    }

    /// <summary>The default engine alone, grown to one size of 6 on a SQLite file; a test adds the host hooks it looks at.</summary>
    private static WorkloadOptions OneSize(int coldProbes = 1) => new()
    {
        Sizes = [6],
        Iterations = 2,
        ReferenceMax = 0,
        BatchSize = 2,
        ColdProbes = coldProbes,
        Open = (db, hybrid) =>
        {
            var store = SqliteMemoryStore.Open(db);
            return new MemoryOS(store, DefaultRetrievers.Create(store, hybrid: hybrid));
        },
    };
}
