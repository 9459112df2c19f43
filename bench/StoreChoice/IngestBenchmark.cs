using System.Diagnostics;

namespace AgentMem.StoreChoice.Bench;

/// <summary>All LoCoMo turns into a cold file, one add per transaction and batched; best of N runs, warm-up excluded.</summary>
internal static class IngestBenchmark
{
    private const int WarmUpAdds = 300;

    public static readonly string[] Engines = [EngineKind.SqliteStore, EngineKind.SqliteStoreNoSync, EngineKind.SqliteRaw, EngineKind.LiteDb];

    public static List<IngestRow> Run(Workload workload, HarnessOptions options)
    {
        var rows = new List<IngestRow>();
        foreach (string engine in Engines)
        {
            foreach (int batchSize in new[] { 1, options.BatchSize })
            {
                Ingest(engine, workload, workload.Memories.Take(WarmUpAdds).ToList(), batchSize, options.WorkDirectory); // JIT and caches
                IngestRow? best = null;
                for (int run = 0; run < options.Runs; run++)
                {
                    var row = Ingest(engine, workload, workload.Memories, batchSize, options.WorkDirectory);
                    Console.Error.WriteLine($"  ingest {engine,-20} batch {batchSize,4} run {run + 1}: {row.AddsPerSecond,8:F0} adds/s");
                    best = best is null || row.Elapsed < best.Elapsed ? row : best;
                }

                rows.Add(best!);
            }
        }

        return rows;
    }

    /// <summary>Loads the workload in batches; the file is the one search and the size column use.</summary>
    public static string Load(string engine, Workload workload, HarnessOptions options)
    {
        string path = Scratch.FreshFile(options.WorkDirectory, "search-" + engine);
        using var store = EngineKind.Open(engine, path);
        store.CreateCubes(workload.Cubes);
        foreach (var chunk in workload.Memories.Chunk(options.BatchSize))
        {
            store.Add(chunk);
        }

        return path;
    }

    private static IngestRow Ingest(string engine, Workload workload, IReadOnlyList<AgentMem.MemoryCore.Model.MemoryItem> memories, int batchSize, string workDirectory)
    {
        string path = Scratch.FreshFile(workDirectory, "ingest-" + engine);
        var watch = new Stopwatch();
        using (var store = EngineKind.Open(engine, path))
        {
            store.CreateCubes(workload.Cubes);
            watch.Start();
            foreach (var chunk in memories.Chunk(batchSize))
            {
                store.Add(chunk);
            }

            watch.Stop();
        }

        return new IngestRow(engine, batchSize, memories.Count, watch.Elapsed, EngineKind.SizeOf(path));
    }
}

/// <summary>One ingest measurement; the size is every file of the database after it was closed.</summary>
internal sealed record IngestRow(string Engine, int BatchSize, int Adds, TimeSpan Elapsed, long Bytes)
{
    public double AddsPerSecond => Adds / Elapsed.TotalSeconds;
}
