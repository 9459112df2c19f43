using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Cli.Tests;

/// <summary><c>index rebuild</c>'s progress on standard error, and what <c>index verify</c> counts as drift.</summary>
public sealed partial class IndexCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Rebuild_progress_is_written_in_order_by_the_rebuild_itself_before_the_command_returns()
    {
        // Reported through Progress<T>, each line was posted to the thread pool: lines came out of order, after the result,
        // or after the command had returned (to a writer its host had disposed), from several threads at once.
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes")).Code);
        await using (var store = SqliteMemoryStore.Open(cli.DbPath))
        {
            await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store));
            var scope = new Scope(Scope.DefaultTenant);
            for (int start = 0; start < 3001; start += 1000)
            {
                var drafts = Enumerable.Range(start, Math.Min(1000, 3001 - start)).Select(i => new MemoryDraft($"note number {i} about item {i * 7}")).ToList();
                await memory.AddBatchAsync(scope, "notes", drafts);
            }
        }

        using var stdout = new StringWriter();
        var stderr = new LineRecorder(); // never disposed: a late line must not throw on a pool thread
        int code = await CliApp.RunAsync(["--db", cli.DbPath, "index", "rebuild", "--cube", "notes"], stdout, stderr, Output.TerminalKind.None);
        var lines = stderr.Lines();
        Assert.True(code == 0, string.Join('\n', lines.Select(l => l.Text)));

        var progress = lines.Where(l => l.Text.Contains("embedded", StringComparison.Ordinal)).ToList();
        var done = progress.Select(l => int.Parse(Embedded().Match(l.Text).Groups[1].Value.Replace(",", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal([1000, 2000, 3000, 3001], done);
        Assert.All(progress, l => Assert.True(l.ByTheRebuild, $"'{l.Text}' was written outside the rebuild"));
    }

    [Fact]
    public async Task A_one_shot_search_past_the_ann_threshold_builds_no_index_and_says_index_build_saves_one()
    {
        // The first search of a cube past the threshold started a SPANN build in the background; closing waited for the
        // build and then threw it away unsaved, so a one-shot search of a large cube went on for minutes after printing its
        // hits, and every later run built it again.
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes")).Code);
        await using (var store = SqliteMemoryStore.Open(cli.DbPath))
        {
            await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store));
            var drafts = Enumerable.Range(0, 150).Select(i => new MemoryDraft($"note number {i} about item {i * 7}")).ToList();
            await memory.AddBatchAsync(new Scope(Scope.DefaultTenant), "notes", drafts);
        }

        var threshold = new Dictionary<string, string> { ["AGENTMEM_ANN_THRESHOLD"] = "100" }; // process-wide: a process of its own
        string indexes = cli.DbPath + ".index";
        Task<(int Code, string Out, string Err)> Run(params string[] args) => LocalService.RunCliAsync(["--db", cli.DbPath, "--cube", "notes", .. args], threshold, TimeSpan.FromMinutes(5));

        var (code, output, err) = await Run("search", "note number 7");
        Assert.True(code == 0, err);
        Assert.Contains("note number 7 ", output, StringComparison.Ordinal);
        Assert.Contains("more than 100 embeddings and was searched exactly", err, StringComparison.Ordinal);
        Assert.Contains("'agentmem index build --cube notes'", err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(indexes, "postings.*", SearchOption.AllDirectories)); // no build was started

        (code, output, err) = await Run("index", "build", "--json");
        Assert.True(code == 0, err);
        Assert.Contains("\"action\":\"build\"", output, StringComparison.Ordinal);
        Assert.Contains("\"tier\":\"spann\"", output, StringComparison.Ordinal);
        Assert.Contains("\"drift\":false", output, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(indexes, "vectors.json", SearchOption.AllDirectories)); // saved, for the next process

        (code, output, err) = await Run("search", "note number 7");
        Assert.True(code == 0, err);
        Assert.Contains("note number 7 ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("searched exactly", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_catches_up_before_it_compares_so_a_write_no_search_has_read_is_not_drift()
    {
        // The persisted embeddings were counted before the catch-up that embeds and stores them: every memory added or
        // edited since the last search was "missing" or "stale" (exit 3), and the next verify, with no write between, was clean.
        var added = await cli.JsonAsync("add", "Melanie paints sunsets");
        var (code, output, error) = await cli.RunAsync("index", "verify", "--json");
        Assert.True(code == 0, $"exit {code}: {output}{error}");
        Assert.Contains("\"embeddings_missing\":0", output, StringComparison.Ordinal);

        Assert.Equal(0, (await cli.RunAsync("update", added.GetProperty("id").GetString()!, "Melanie paints sunrises")).Code);
        (code, output, error) = await cli.RunAsync("index", "verify", "--json");
        Assert.True(code == 0, $"exit {code}: {output}{error}");
        Assert.Contains("\"embeddings_stale\":0", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"embedded ([\d,]+) / 3,001")]
    private static partial Regex Embedded();

    /// <summary>Records the lines written, each with whether every write of it came from inside the rebuild (its stack).</summary>
    private sealed class LineRecorder : TextWriter
    {
        private readonly Lock gate = new();
        private readonly List<(string Text, bool ByTheRebuild)> lines = [];
        private readonly StringBuilder current = new();
        private bool currentByTheRebuild = true;

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => Append(value.ToString());

        public override void Write(string? value) => Append(value ?? string.Empty);

        public override void Write(char[] buffer, int index, int count) => Append(new string(buffer, index, count));

        public List<(string Text, bool ByTheRebuild)> Lines()
        {
            lock (gate)
            {
                return [.. lines];
            }
        }

        private void Append(string text)
        {
            bool inRebuild = new StackTrace().ToString().Contains("RebuildAsync", StringComparison.Ordinal);
            lock (gate)
            {
                foreach (char c in text)
                {
                    if (c == '\n')
                    {
                        lines.Add((current.ToString().TrimEnd('\r'), currentByTheRebuild));
                        current.Clear();
                        currentByTheRebuild = true;
                        continue;
                    }

                    current.Append(c);
                    currentByTheRebuild &= inRebuild;
                }
            }
        }
    }
}
