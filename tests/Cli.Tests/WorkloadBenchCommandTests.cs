using System.Text.Json;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Cli.Tests;

/// <summary><c>bench workload</c> end to end on a small run: both engines, both sizes, a cold probe in a child process.</summary>
public sealed class WorkloadBenchCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private static string Locomo => Path.GetFullPath(RepoPaths.File("..", "shared", "datasets", "locomo", "locomo10.json"));

    [Fact]
    public async Task A_small_run_reports_both_engines_at_each_size_and_probes_cold_in_a_child_process()
    {
        string json = Path.Combine(cli.Folder, "workload.json");
        string work = Path.Combine(cli.Folder, "work");
        var (code, output, err) = await cli.RunAsync(
            "bench", "workload", "--dataset", Locomo, "--sizes", "50,120", "--iterations", "5", "--reference-max", "120", "--reference-iterations", "5", "--work", work, "--json", json);
        Assert.True(code == 0, err);

        string[] engines = ["default", "full-rebuild"];
        foreach (string engine in engines)
        {
            foreach (int size in new[] { 50, 120 })
            {
                Assert.Matches($"(?m)^{engine}\\s+{size}\\s", output);
            }
        }

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = doc.RootElement;
        int parent = root.GetProperty("pid").GetInt32();
        Assert.Equal(Environment.ProcessId, parent); // the CLI ran in this test process
        var rows = root.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([("default", 50), ("default", 120), ("full-rebuild", 50), ("full-rebuild", 120)], rows.Select(r => (r.GetProperty("engine").GetString(), r.GetProperty("size").GetInt32())));
        foreach (var row in rows)
        {
            int size = row.GetProperty("size").GetInt32();
            Assert.Equal(size, row.GetProperty("memories").GetInt64()); // counted by the store
            Assert.Equal(0, row.GetProperty("fresh_hit_misses").GetInt32());
            foreach (string latency in new[] { "add_ms", "search_after_write_ms", "steady_search_ms" })
            {
                double p50 = row.GetProperty(latency).GetProperty("p50").GetDouble();
                double p95 = row.GetProperty(latency).GetProperty("p95").GetDouble();
                Assert.InRange(p50, 0, p95);
            }

            Assert.True(row.GetProperty("after_write_to_steady").GetDouble() > 0);
            var cold = row.GetProperty("cold");
            Assert.NotEqual(parent, cold.GetProperty("pid").GetInt32());
            Assert.True(cold.GetProperty("open_ms").GetDouble() >= 0);
            Assert.True(cold.GetProperty("first_search_ms").GetDouble() > 0);
            Assert.True(cold.GetProperty("child_wall_ms").GetDouble() >= cold.GetProperty("open_and_first_search_ms").GetDouble());
            Assert.Equal(10, cold.GetProperty("hits").GetInt32());

            // Growth per memory is noise at these sizes and may be negative; it must still be a number.
            var resident = row.GetProperty("resident_bytes_per_memory");
            Assert.True(double.IsFinite(resident.GetProperty("gc_heap").GetDouble()));
            Assert.True(double.IsFinite(resident.GetProperty("working_set").GetDouble()));
        }

        // The kept files hold what the rows claim, counted through the public API.
        foreach (string engine in engines)
        {
            var store = SqliteMemoryStore.Open(Path.Combine(work, engine + ".db"));
            await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store));
            var stats = await memory.GetStatsAsync(new Scope("bench"), "workload");
            Assert.Equal(120, stats.ByState[LifecycleState.Active]);
        }
    }

    [Fact]
    public async Task The_cold_probe_keeps_the_benchmark_indexes_out_of_the_users_index_folder()
    {
        // A process of its own: the environment is process-wide. The probe inherited AGENTMEM_INDEX_DIR and opened the
        // benchmark's database with the user's index folder, where the warm runs used the one beside that database.
        string indexes = Path.Combine(cli.Folder, "user-indexes");
        Directory.CreateDirectory(indexes);
        var (code, output, err) = await LocalService.RunCliAsync(
            ["--db", cli.DbPath, "--json", "bench", "workload", "--dataset", Locomo, "--sizes", "30", "--iterations", "1", "--cold-probes", "1", "--reference-max", "0"],
            new Dictionary<string, string> { ["AGENTMEM_INDEX_DIR"] = indexes },
            TimeSpan.FromMinutes(3));

        Assert.True(code == 0, $"exit {code}: {err}");
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(10, Assert.Single(doc.RootElement.GetProperty("rows").EnumerateArray()).GetProperty("cold").GetProperty("hits").GetInt32());
        Assert.Empty(Directory.EnumerateFileSystemEntries(indexes));
    }

    [Theory]
    [InlineData("--sizes", "100,150")] // 200 measured rounds do not fit under 100, nor between 100 and 150
    [InlineData("--sizes", "1000,x")]
    [InlineData("--iterations", "0")]
    public async Task Bad_options_fail_with_a_message_before_any_work(string option, string value)
    {
        var (code, _, err) = await cli.RunAsync("bench", "workload", "--dataset", Locomo, option, value);
        Assert.Equal(1, code);
        Assert.Contains("error:", err, StringComparison.Ordinal);
    }
}
