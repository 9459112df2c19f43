using System.Globalization;

namespace AgentMem.StoreChoice.Bench;

/// <summary>Prints the results as Markdown tables, ready to paste into docs/embedded-store.md.</summary>
internal static class Report
{
    public static void Ingest(IReadOnlyList<IngestRow> rows, int runs)
    {
        Console.WriteLine($"### Ingest: every LoCoMo turn, cold file, best of {runs}");
        Console.WriteLine();
        Console.WriteLine("| engine | adds per transaction | adds | seconds | adds/s | file size after close |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(Invariant($"| {r.Engine} | {r.BatchSize} | {r.Adds} | {r.Elapsed.TotalSeconds:F2} | {r.AddsPerSecond:F0} | {Mib(r.Bytes)} |"));
        }

        Console.WriteLine();
    }

    public static void Search(IReadOnlyList<SearchRow> rows)
    {
        Console.WriteLine($"### Search without FTS: {rows[0].Queries} LoCoMo questions (non-adversarial, with evidence), top 10 in the conversation's cube");
        Console.WriteLine();
        Console.WriteLine("| engine | method | p50 ms | p95 ms | recall@10 of evidence turns |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(Invariant($"| {r.Engine} | {r.Method} | {r.P50Ms:F2} | {r.P95Ms:F2} | {r.RecallAt10:F3} |"));
        }

        Console.WriteLine();
    }

    public static void Kills(IReadOnlyList<KillRow> rows)
    {
        Console.WriteLine("### Durability under kill -9 (SIGKILL after a seeded 50-2000 ms, one file per engine across all kills)");
        Console.WriteLine();
        Console.WriteLine("| engine | kills | acknowledged adds | acknowledged adds lost | changed | files that failed to open or read |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(Invariant($"| {r.Engine} | {r.Kills} | {r.Acknowledged} | {r.Lost} | {r.Damaged} | {r.FailedOpens} |"));
        }

        foreach (var r in rows.Where(r => r.Notes.Count > 0))
        {
            Console.WriteLine($"- {r.Engine}: {string.Join("; ", r.Notes.Distinct().Take(3))}");
        }

        Console.WriteLine();
    }

    public static void Cross(IReadOnlyList<CrossRow> rows)
    {
        Console.WriteLine("### Two processes writing one file at once (one add per transaction each)");
        Console.WriteLine();
        Console.WriteLine("| engine | writers that opened | writers that finished | acknowledged / attempted | acknowledged found after | seconds |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(Invariant($"| {r.Engine} | {r.Opened}/2 | {r.Finished}/2 | {r.Acknowledged}/{r.Attempted} | {r.Found} | {r.Elapsed.TotalSeconds:F2} |"));
        }

        foreach (var r in rows.Where(r => r.Errors.Count > 0))
        {
            Console.WriteLine($"- {r.Engine}: {string.Join("; ", r.Errors.Take(2))}");
        }

        Console.WriteLine();
    }

    public static void Footprints()
    {
        var f = Footprint.Measure();
        Console.WriteLine("### Package footprint in this harness's output folder");
        Console.WriteLine();
        Console.WriteLine(Invariant($"- LiteDB: LiteDB.dll {Kib(f.LiteDb)} (managed only, netstandard2.0)"));
        Console.WriteLine(Invariant($"- SQLite: Microsoft.Data.Sqlite + SQLitePCLRaw managed {Kib(f.SqliteManaged)}, native e_sqlite3 {Kib(f.SqliteNativeLinuxX64)} for linux-x64 ({Kib(f.SqliteNativeAllRids)} for all RIDs of a portable build)"));
        Console.WriteLine();
    }

    private static string Mib(long bytes) => Invariant($"{bytes / 1048576.0:F1} MiB");

    private static string Kib(long bytes) => Invariant($"{bytes / 1024.0:F0} KiB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
