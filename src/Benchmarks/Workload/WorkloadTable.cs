namespace AgentMem.Benchmarks.Workload;

/// <summary>The workload result as a fixed-width text table, one row per engine and size (no colour; the CLI may add its own).</summary>
public static class WorkloadTable
{
    private static readonly string[] Headers =
    [
        "engine", "memories", "add p50", "add p95", "s-a-w p50", "s-a-w p95", "steady p50", "saw/steady", "fresh miss", "cold ms", "child ms", "heap B/mem", "WS B/mem",
    ];

    /// <summary>Formats the table and a legend of its columns.</summary>
    /// <param name="result">The run's result.</param>
    /// <returns>Multi-line text ending in a newline.</returns>
    public static string Format(WorkloadResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var cells = new List<string[]> { Headers };
        foreach (var row in result.Rows)
        {
            cells.Add(
            [
                row.Engine,
                row.Memories.ToString("N0", CultureInfo.InvariantCulture),
                Ms(row.AfterWrite.IngestP50),
                Ms(row.AfterWrite.IngestP95),
                Ms(row.AfterWrite.SearchP50),
                Ms(row.AfterWrite.SearchP95),
                Ms(row.Steady.SearchP50),
                row.AfterWriteToSteady is { } ratio ? ratio.ToString("0.0", CultureInfo.InvariantCulture) + "x" : "n/a",
                string.Create(CultureInfo.InvariantCulture, $"{row.FreshHitMisses}/{row.Iterations}"),
                row.Cold is { } cold ? Ms(cold.OpenAndFirstSearchMs) : "n/a",
                row.Cold is { } c ? c.WallMs.ToString("0", CultureInfo.InvariantCulture) : "n/a",
                row.HeapBytesPerMemory.ToString("0", CultureInfo.InvariantCulture),
                row.WorkingSetBytesPerMemory.ToString("0", CultureInfo.InvariantCulture),
            ]);
        }

        int[] widths = Enumerable.Range(0, Headers.Length).Select(i => cells.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] line in cells)
        {
            for (int i = 0; i < line.Length; i++)
            {
                // The engine name reads left-aligned; numbers right-aligned so their digits line up.
                text.Append(i == 0 ? line[i].PadRight(widths[i]) : "  " + line[i].PadLeft(widths[i]));
            }

            text.Append('\n');
        }

        text.Append('\n')
            .Append("Times in ms. add: one AddAsync (its own transaction). s-a-w: the search right after that add. steady: searches with no\n")
            .Append("write in between. saw/steady: s-a-w p50 over steady p50. fresh miss: rounds whose added memory a search for its own text\n")
            .Append("did not return. cold: open + first search inside a new process on the same file (median of the probes); child: that process's wall time.\n")
            .Append("heap / WS B/mem: GC heap and working-set growth from the empty cube, per memory.\n");
        var drained = result.Rows.Where(r => r.Drain is not null).ToList();
        if (drained.Count > 0)
        {
            text.Append('\n').Append("Background embedding queue (adds return before their vectors exist; the timed rounds start once it is empty):\n");
            foreach (var row in drained)
            {
                var d = row.Drain!;
                text.Append(string.Create(CultureInfo.InvariantCulture,
                    $"  {row.Engine} at {row.Memories:N0}: empty {d.AfterLastWriteMs / 1000:0.0} s after the last write, {d.SinceGrowthStartMs / 1000:0.0} s after the growth's first; {d.Embedded:N0} embedded, {d.PerSecond:0} memories/s\n"));
            }
        }

        return text.ToString();
    }

    private static string Ms(double? value) => value switch
    {
        null => "n/a",
        >= 100 => value.Value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
