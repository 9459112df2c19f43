using System.Diagnostics;
using System.Globalization;
using AgentMem.Bench;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Consolidation;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;

// Maintenance cost as a cube grows: each default job once over a fresh SQLite cube of N memories. The texts are 12 terms
// drawn from a 3,000-term vocabulary with a skewed (cubed-uniform) frequency, so common terms are shared by many memories,
// the case where pairing every memory with every other that shares a term grows with the square of the cube.
int[] sizes = [1_000, 4_000, 16_000];
if (args.Length > 0)
{
    var parsed = args[0].Split(',').Select(s => int.TryParse(s, out int n) && n > 0 ? n : -1).ToArray();
    if (args.Length > 1 || parsed.Any(n => n < 0))
    {
        Console.Error.WriteLine($"usage: AgentMem.Maintenance.Bench [SIZES], e.g. 1000,4000,16000 (positive cube sizes, comma-separated); got '{string.Join(' ', args)}'.");
        return 2;
    }

    sizes = parsed;
}

Console.WriteLine("## Maintenance jobs on growing cubes (SQLite)");
Console.WriteLine();
Console.WriteLine($"- command: `dotnet bench/Maintenance/bin/Release/net10.0/AgentMem.Maintenance.Bench.dll {string.Join(' ', args)}`");
Console.WriteLine($"- machine: {MachineFacts.Describe()}; load average at start {MachineFacts.LoadAverage()}");
Console.WriteLine();
Console.WriteLine("| memories | job | seconds | counters |");
Console.WriteLine("|---:|---|---:|---|");

string[] vocabulary = [.. Enumerable.Range(0, 3000).Select(i => "w" + i.ToString("x", CultureInfo.InvariantCulture))];
foreach (int size in sizes)
{
    string folder = Directory.CreateTempSubdirectory("agentmem-maintenance-").FullName;
    try
    {
        var store = SqliteMemoryStore.Open(Path.Combine(folder, "bench.db"));
        var memory = new MemoryOS(store, new Bm25Retriever(store));
        await using var memoryScope = memory.ConfigureAwait(false);
        var actor = new Scope("bench", "victor");
        await memory.CreateCubeAsync(actor, "cube", policy: new CubePolicy { ForgettingThreshold = 0.05 }).ConfigureAwait(false);
        var random = new Random(20261205);
        for (int start = 0; start < size; start += 500)
        {
            var drafts = Enumerable.Range(start, Math.Min(500, size - start))
                .Select(_ => new MemoryDraft(string.Join(' ', Enumerable.Range(0, 12).Select(_ => vocabulary[(int)(Math.Pow(random.NextDouble(), 3) * vocabulary.Length)]))))
                .ToList();
            await memory.AddBatchAsync(actor, "cube", drafts).ConfigureAwait(false);
        }

        foreach (var job in MaintenanceRunner.CreateDefault().Jobs)
        {
            await TimeJobAsync(memory, actor, "cube", size, job, job.Name, asOf: null).ConfigureAwait(false);
        }

        // Two months on, every memory has faded below the threshold: the cost of archiving the whole cube.
        await TimeJobAsync(memory, actor, "cube", size, new ForgettingJob(), "forgetting, 60 days later", DateTimeOffset.UtcNow.AddDays(60)).ConfigureAwait(false);

        // A cube where every memory was said twice, the second time with one more word: half of it merges.
        await memory.CreateCubeAsync(actor, "restated").ConfigureAwait(false);
        for (int start = 0; start < size / 2; start += 250)
        {
            var drafts = Enumerable.Range(start, Math.Min(250, (size / 2) - start))
                .SelectMany(k =>
                {
                    string said = string.Join(' ', Enumerable.Range(0, 10).Select(_ => vocabulary[random.Next(vocabulary.Length)])) + $" item{k}";
                    return new[] { new MemoryDraft(said), new MemoryDraft(said + " again") };
                })
                .ToList();
            await memory.AddBatchAsync(actor, "restated", drafts).ConfigureAwait(false);
        }

        await TimeJobAsync(memory, actor, "restated", size, new ConsolidationJob(), "consolidation, every memory restated", asOf: null).ConfigureAwait(false);
    }
    finally
    {
        Directory.Delete(folder, recursive: true);
    }
}

Console.WriteLine();
Console.WriteLine($"load average at end: {MachineFacts.LoadAverage()}");
return 0;

static async Task TimeJobAsync(MemoryOS memory, Scope actor, string cube, int size, IMaintenanceJob job, string label, DateTimeOffset? asOf)
{
    var watch = Stopwatch.StartNew();
    var results = await new MaintenanceRunner([job]).RunAsync(memory, actor, cube, asOf: asOf).ConfigureAwait(false);
    string counters = string.Join(", ", results[0].Counts.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value:N0}"));
    Console.WriteLine($"| {size:N0} | {label} | {watch.Elapsed.TotalSeconds:F2} | {counters} |");
}
