using AgentMem.Bench;
using AgentMem.Common.IO;
using System.Globalization;
using System.Text;

namespace AgentMem.Campaign.Bench;

/// <summary>The results table: printed at the end, and written between the markers of bench/Campaign/README.md.</summary>
internal sealed class CampaignReport(string[] args, CampaignOptions options)
{
    private const string Begin = "<!-- campaign-results:begin -->";
    private const string End = "<!-- campaign-results:end -->";

    private readonly string loadAtStart = MachineFacts.LoadAverage();
    private readonly DateTimeOffset started = DateTimeOffset.UtcNow;

    public LoadOutcome? Load { get; set; }

    public KillOutcome? Kill { get; set; }

    public RestFuzzOutcome? RestFuzz { get; set; }

    public FileFuzzOutcome? FileFuzz { get; set; }

    public DiskFullOutcome? DiskFull { get; set; }

    /// <summary>Zero errors under load, zero lost writes, zero crashes, zero untyped errors, a clean disk-full outcome.</summary>
    public bool Clean =>
        (Load is null || (Load.Errors == 0 && !Load.Crashed && Load.Integrity == "ok"))
        && (Kill is null || (Kill.LostAfterRestart == 0 && Kill.LostAtEnd == 0 && Kill.BadIntegrityAfterKill == 0 && Kill.FinalIntegrity == "ok" && Kill.LoadErrors == 0))
        && (RestFuzz is null || (RestFuzz.Rows.Sum(r => r.Findings) == 0 && !RestFuzz.Crashed && RestFuzz.UnhandledErrorsLogged == 0 && RestFuzz.Integrity == "ok"))
        && (FileFuzz is null || FileFuzz.Rows.Sum(r => r.Findings) == 0)
        && (DiskFull is null || DiskFull.Clean);

    public string Render()
    {
        var s = new StringBuilder();
        void Line(string text = "") => s.Append(text).Append('\n');
        string shown = string.Join(' ', args.Where((a, i) => a is not "--cli" and not "--readme" && (i == 0 || args[i - 1] is not "--cli" and not "--readme")));
        Line("## Campaign results");
        Line();
        Line(string.Create(CultureInfo.InvariantCulture, $"- command: `bench/Campaign/run.sh{(shown.Length > 0 ? " " + shown : "")}` (from the repository root; {options.Clients} clients, seed {options.Seed})"));
        Line($"- machine: {MachineFacts.Describe()}");
        Line($"- load average: {loadAtStart} at start, {MachineFacts.LoadAverage()} at end; {started:yyyy-MM-dd HH:mm} UTC, {(DateTimeOffset.UtcNow - started).TotalMinutes:0.0} min");
        Line($"- verdict: {(Clean ? "clean (no errors under load, no lost writes, no crashes, no untyped errors)" : "FINDINGS (see above the table)")}");
        if (Load is { } load)
        {
            Line();
            Line(string.Create(CultureInfo.InvariantCulture, $"### (1) Load: {options.Clients} clients, {load.Elapsed.TotalSeconds:0} s, {load.MemoriesWritten} memories written; errors {load.Errors}, crashed {No(load.Crashed)}, integrity_check {load.Integrity}"));
            Line();
            Line("| route | requests | requests/s | p50 ms | p95 ms | p99 ms | errors |");
            Line("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var r in load.Routes)
            {
                Line(string.Create(CultureInfo.InvariantCulture, $"| `{r.Route}` | {r.Requests} | {r.PerSecond:0.0} | {r.P50:0.0} | {r.P95:0.0} | {r.P99:0.0} | {r.Errors} |"));
            }

            Line(string.Create(CultureInfo.InvariantCulture, $"| all | {load.Routes.Sum(r => r.Requests)} | {load.Routes.Sum(r => r.PerSecond):0.0} | | | | {load.Errors} |"));
        }

        if (Kill is { } kill)
        {
            Line();
            Line("### (2) SIGKILL under load");
            Line();
            Line("| kills | survived | acknowledged writes | lost after restart | lost at the end | integrity_check after kill | final integrity_check | load errors |");
            Line("|---:|---:|---:|---:|---:|---|---|---:|");
            Line($"| {kill.Rounds} | {kill.Survived} | {kill.AcknowledgedWrites} | {kill.LostAfterRestart} | {kill.LostAtEnd} | {kill.Rounds - kill.BadIntegrityAfterKill}/{kill.Rounds} ok | {kill.FinalIntegrity} | {kill.LoadErrors} |");
        }

        if (RestFuzz is { } rest)
        {
            Line();
            Line($"### (3a) REST fuzzing: service crashed {No(rest.Crashed)}, unhandled errors logged {rest.UnhandledErrorsLogged}, integrity_check {rest.Integrity}");
            Line();
            Line("| route | cases | 2xx (valid after mutation) | 4xx problem details | findings |");
            Line("|---|---:|---:|---:|---:|");
            foreach (var r in rest.Rows)
            {
                Line($"| `{r.Route}` | {r.Cases} | {r.Accepted} | {r.Rejected} | {r.Findings} |");
            }

            Line($"| all | {rest.Rows.Sum(r => r.Cases)} | {rest.Rows.Sum(r => r.Accepted)} | {rest.Rows.Sum(r => r.Rejected)} | {rest.Rows.Sum(r => r.Findings)} |");
        }

        if (FileFuzz is { } files)
        {
            Line();
            Line("### (3b) File format fuzzing (random bytes, truncations, bit flips, header flips, trailing junk)");
            Line();
            Line("| format | cases | rejected with a typed error | accepted (damage not visible) | findings |");
            Line("|---|---:|---:|---:|---:|");
            foreach (var r in files.Rows)
            {
                Line($"| {r.Format} | {r.Cases} | {r.Rejected} | {r.Accepted} | {r.Findings} |");
            }

            Line($"| all | {files.Rows.Sum(r => r.Cases)} | {files.Rows.Sum(r => r.Rejected)} | {files.Rows.Sum(r => r.Accepted)} | {files.Rows.Sum(r => r.Findings)} |");
            Line("| LoRA adapters | — | no file format exists yet | | |");
        }

        if (DiskFull is { } full)
        {
            Line();
            Line("### (4) Disk full");
            Line();
            if (!full.Ran)
            {
                Line($"not run: {full.FileSystem}");
            }
            else
            {
                Line("| file system | writes before full | failing write | reads while full | write after freeing space | crashed | integrity_check |");
                Line("|---|---:|---|---|---|---|---|");
                Line($"| {full.FileSystem} | {full.WritesBeforeFull} | {full.Failure.Replace("|", "\\|", StringComparison.Ordinal)} | {Yes(full.ReadsWhileFull)} | {Yes(full.WritesAfterFreeing)} ({full.StatusAfterFreeing}) | {No(full.Crashed)} | {full.Integrity} |");
            }
        }

        return s.ToString();
    }

    public static void WriteInto(string readme, string table)
    {
        string text = File.ReadAllText(readme);
        int begin = text.IndexOf(Begin, StringComparison.Ordinal);
        int end = text.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new InvalidOperationException($"{readme} lacks the {Begin} / {End} markers.");
        }

        // Whole or not at all: the README is tracked, and a kill or a full disk part way through the write cut it short.
        byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text[..(begin + Begin.Length)] + "\n" + table + text[end..]);
        CrashSafeFile.Write(readme, stream => stream.Write(bytes));
    }

    private static string No(bool value) => value ? "YES" : "no";

    private static string Yes(bool value) => value ? "yes" : "NO";
}
