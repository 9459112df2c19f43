using System.Diagnostics;
using System.Globalization;
using AgentMem.Bench;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Consolidation;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;

// Maintenance cost as a cube grows: each default job once over a fresh cube of N memories, on SQLite and, with
// --postgres, on PostgreSQL. The texts are 12 terms drawn from a 3,000-term vocabulary with a skewed (cubed-uniform)
// frequency, so common terms are shared by many memories, the case where pairing every memory with every other that
// shares a term grows with the square of the cube.
if (HarnessArguments.ParseOrReport(() => MaintenanceOptions.Parse(args)) is not { } options)
{
    return 2;
}

HarnessReport.PrintHeader("Maintenance jobs on growing cubes", "Maintenance", args);
Console.WriteLine();
Console.WriteLine("| backend | memories | job | seconds | counters |");
Console.WriteLine("|---|---:|---|---:|---|");

foreach (int size in options.Sizes)
{
    await BenchMemory.OnEachBackendAsync(options.Postgres, (backend, memory) => Workload.RunAsync(backend, memory, size)).ConfigureAwait(false);
}

HarnessReport.PrintFooter();
return 0;

/// <summary>The cubes one backend is measured on, and the jobs timed on them.</summary>
internal static class Workload
{
    public static async Task RunAsync(string backend, MemoryOS memory, int size)
    {
        await using var memoryScope = memory.ConfigureAwait(false);

        // A tenant of its own, so a PostgreSQL database used before (or by the other sizes) adds nothing to the cubes.
        var actor = new Scope("bench-" + Guid.NewGuid().ToString("N")[..12], "victor");
        string[] vocabulary = [.. Enumerable.Range(0, 3000).Select(i => "w" + i.ToString("x", CultureInfo.InvariantCulture))];
        var random = new Random(20261205);
        await memory.CreateCubeAsync(actor, "cube", policy: new CubePolicy { ForgettingThreshold = 0.05 }).ConfigureAwait(false);
        for (int start = 0; start < size; start += 500)
        {
            var drafts = Enumerable.Range(start, Math.Min(500, size - start))
                .Select(_ => new MemoryDraft(string.Join(' ', Enumerable.Range(0, 12).Select(_ => vocabulary[(int)(Math.Pow(random.NextDouble(), 3) * vocabulary.Length)]))))
                .ToList();
            await memory.AddBatchAsync(actor, "cube", drafts).ConfigureAwait(false);
        }

        foreach (var job in MaintenanceRunner.CreateDefault().Jobs)
        {
            await TimeAsync(backend, memory, actor, "cube", size, job, job.Name, asOf: null).ConfigureAwait(false);
        }

        // Linking again, nothing new: what a scheduled run costs on a cube already linked.
        await TimeAsync(backend, memory, actor, "cube", size, new AgentMem.MemoryCore.Notes.LinkingJob(), "linking, run again", asOf: null).ConfigureAwait(false);

        // Two months on, every memory has faded below the threshold: the cost of archiving the whole cube.
        await TimeAsync(backend, memory, actor, "cube", size, new ForgettingJob(), "forgetting, 60 days later", DateTimeOffset.UtcNow.AddDays(60)).ConfigureAwait(false);

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

        await TimeAsync(backend, memory, actor, "restated", size, new ConsolidationJob(), "consolidation, every memory restated", asOf: null).ConfigureAwait(false);
    }

    private static async Task TimeAsync(string backend, MemoryOS memory, Scope actor, string cube, int size, IMaintenanceJob job, string label, DateTimeOffset? asOf)
    {
        var watch = Stopwatch.StartNew();
        var results = await new MaintenanceRunner([job]).RunAsync(memory, actor, cube, asOf: asOf).ConfigureAwait(false);
        string counters = string.Join(", ", results[0].Counts.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value:N0}"));
        Console.WriteLine($"| {backend} | {size:N0} | {label} | {watch.Elapsed.TotalSeconds:F2} | {counters} |");
    }
}

/// <summary>The harness's options: cube sizes, and a PostgreSQL database to measure beside SQLite.</summary>
internal sealed record MaintenanceOptions(IReadOnlyList<int> Sizes, string? Postgres)
{
    private const string Usage = "usage: AgentMem.Maintenance.Bench [SIZES] [--postgres URI], e.g. 1000,4000,16000 (positive cube sizes, comma-separated)";

    public static MaintenanceOptions Parse(string[] args)
    {
        int[] sizes = [1_000, 4_000, 16_000];
        string? postgres = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--postgres")
            {
                postgres = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{Usage}; --postgres needs a URI.");
            }
            else if (i == 0 && args[i].Split(',').Select(s => int.TryParse(s, out int n) && n > 0 ? n : -1).ToArray() is var parsed && parsed.All(n => n > 0))
            {
                sizes = parsed;
            }
            else
            {
                throw new ArgumentException($"{Usage}; got '{string.Join(' ', args)}'.");
            }
        }

        return new MaintenanceOptions(sizes, postgres);
    }
}
