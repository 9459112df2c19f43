namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// Durability under kill -9: a child adds memories in a loop, the parent sends SIGKILL after a seeded random delay,
/// reopens the file and checks every acknowledged add is there with its content intact and that the file reads whole.
/// One file per engine across all kills, so later kills also test recovery of a file that was recovered before.
/// </summary>
internal static class KillBenchmark
{
    private const int MinDelayMs = 50;
    private const int MaxDelayMs = 2000;

    public static readonly string[] Engines = [EngineKind.SqliteStore, EngineKind.SqliteStoreNoSync, EngineKind.LiteDb];

    public static List<KillRow> Run(Workload workload, HarnessOptions options)
    {
        var rows = new List<KillRow>();
        foreach (string engine in Engines)
        {
            rows.Add(RunEngine(engine, workload, options));
        }

        return rows;
    }

    private static KillRow RunEngine(string engine, Workload workload, HarnessOptions options)
    {
        var random = new Random(options.Seed); // the same delays for every engine
        string path = Scratch.FreshFile(options.WorkDirectory, "kill-" + engine);
        string cube = Prepare(engine, path);
        var acked = new Dictionary<string, string>(StringComparer.Ordinal);
        int lost = 0, damaged = 0, failedOpens = 0, kills = 0;
        var notes = new List<string>();
        for (int k = 0; k < options.Kills; k++)
        {
            int delay = random.Next(MinDelayMs, MaxDelayMs + 1);
            using var child = SelfLaunch.Start("--child-writer", engine, path, cube, options.DatasetPath, "0", "false");
            var output = new ChildOutput(child);
            if (!output.FirstLine.Wait(TimeSpan.FromSeconds(60)) || output.FirstLine.Result != "ready")
            {
                notes.Add($"child did not start: {(output.FirstLine.IsCompleted ? output.FirstLine.Result : "timeout")}");
                child.Kill();
                child.WaitForExit();
                continue;
            }

            Thread.Sleep(delay);
            child.Kill(); // SIGKILL on Linux: no finally blocks, no flush, no dispose
            child.WaitForExit();
            kills++;
            foreach (var (id, hash) in output.Acked)
            {
                acked[id] = hash;
            }

            foreach (string line in output.Other)
            {
                notes.Add(line);
            }

            try
            {
                using var store = EngineKind.Open(engine, path);
                var found = store.ReadHashes(acked.Keys.ToList());
                lost = acked.Keys.Count(id => !found.ContainsKey(id));
                damaged = acked.Count(a => found.TryGetValue(a.Key, out string? h) && h != a.Value);
                store.CheckWhole();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failedOpens++;
                notes.Add($"kill {k + 1}: {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
                path = Scratch.FreshFile(options.WorkDirectory, $"kill-{engine}-{k + 1}");
                cube = Prepare(engine, path);
                acked.Clear();
            }

            Console.Error.WriteLine($"  kill {engine,-20} {k + 1,2}/{options.Kills} after {delay,4} ms: {acked.Count} acked so far, {lost} lost");
        }

        return new KillRow(engine, kills, acked.Count, lost, damaged, failedOpens, notes);
    }

    private static string Prepare(string engine, string path)
    {
        var cube = Workload.NewCube("kill");
        using var store = EngineKind.Open(engine, path);
        store.CreateCubes([cube]);
        return cube.Id;
    }
}

/// <summary>Per engine: kills done, acknowledged adds at the end, how many were missing or changed, files that would not open or read.</summary>
internal sealed record KillRow(string Engine, int Kills, int Acknowledged, int Lost, int Damaged, int FailedOpens, IReadOnlyList<string> Notes);
