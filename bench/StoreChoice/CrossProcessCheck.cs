namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// Two processes writing one file at the same time, as our service and CLI do: both open it, both are told "go" at
/// once, each adds memories one per transaction. Reports who could open, who finished, and whether every
/// acknowledged add of either is in the file afterwards.
/// </summary>
internal static class CrossProcessCheck
{
    public static readonly string[] Engines = [EngineKind.SqliteStore, EngineKind.LiteDb, EngineKind.LiteDbShared];

    public static List<CrossRow> Run(HarnessOptions options)
    {
        var rows = new List<CrossRow>();
        foreach (string engine in Engines)
        {
            rows.Add(RunEngine(engine, options));
        }

        return rows;
    }

    private static CrossRow RunEngine(string engine, HarnessOptions options)
    {
        string path = Scratch.FreshFile(options.WorkDirectory, "cross-" + engine);
        var cube = Workload.NewCube("cross");
        using (var store = EngineKind.Open(engine, path))
        {
            store.CreateCubes([cube]);
        }

        string count = options.CrossProcessAdds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var children = Enumerable.Range(0, 2).Select(_ => SelfLaunch.Start("--child-writer", engine, path, cube.Id, options.DatasetPath, count, "true")).ToList();
        var outputs = children.Select(c => new ChildOutput(c)).ToList();
        var first = outputs.Select(o => o.FirstLine.Wait(TimeSpan.FromSeconds(60)) ? o.FirstLine.Result : "timeout").ToList();
        for (int i = 0; i < children.Count; i++)
        {
            if (first[i] == "ready")
            {
                children[i].StandardInput.WriteLine("go");
                children[i].StandardInput.Flush();
            }
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var child in children)
        {
            if (!child.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                child.Kill();
            }

            child.WaitForExit();
        }

        watch.Stop();
        int opened = first.Count(f => f == "ready");
        int finished = children.Count(c => c.ExitCode == 0);
        var acked = outputs.SelectMany(o => o.Acked).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        int found;
        using (var store = EngineKind.Open(engine, path))
        {
            var hashes = store.ReadHashes(acked.Keys.ToList());
            found = acked.Count(a => hashes.TryGetValue(a.Key, out string? h) && h == a.Value);
        }

        var errors = first.Where(f => f != "ready").Concat(outputs.SelectMany(o => o.Other)).Distinct().ToList();
        foreach (var child in children)
        {
            child.Dispose();
        }

        return new CrossRow(engine, opened, finished, acked.Count, found, 2 * options.CrossProcessAdds, watch.Elapsed, errors);
    }
}

internal sealed record CrossRow(string Engine, int Opened, int Finished, int Acknowledged, int Found, int Attempted, TimeSpan Elapsed, IReadOnlyList<string> Errors);
