using System.CommandLine;
using System.Globalization;
using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Qa;
using AgentMem.Benchmarks.Reporting;
using AgentMem.Benchmarks.Runner;
using AgentMem.Cli.Output;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Spectre.Console;

namespace AgentMem.Cli.Commands;

/// <summary><c>bench locomo|longmemeval|convomem FILE</c>: the conversational-memory benchmark runner.</summary>
internal static class BenchCommand
{
    public static Command Create(GlobalOptions g, TextWriter stdout, TextWriter stderr)
    {
        var bench = new Command("bench", "Run a conversational-memory benchmark (offline retrieval metrics; QA when a chat endpoint is configured).");
        foreach (string kind in DatasetLoader.Kinds)
        {
            bench.Subcommands.Add(CreateFor(kind, g, stdout, stderr));
        }

        bench.Subcommands.Add(AnnBenchCommand.Create(g, stdout, stderr));
        return bench;
    }

    private static Command CreateFor(string kind, GlobalOptions g, TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("file") { Description = $"The {kind} dataset file (or folder, for convomem)." };
        var ks = new Option<string>("--k") { Description = "Cut-offs for recall@k, comma-separated.", DefaultValueFactory = _ => "1,5,10,20" };
        var granularity = new Option<string>("--granularity") { Description = "turn or session: what one memory holds.", DefaultValueFactory = _ => "turn" };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N questions." };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file." };
        var report = new Option<string?>("--report") { Description = "Write report.md, recall.svg and result.json to this folder." };
        var includeAdversarial = new Option<bool>("--include-adversarial") { Description = "Count adversarial/abstention questions in the headline numbers." };
        var contextK = new Option<int>("--context-k") { Description = "Memories handed to the reader as context.", DefaultValueFactory = _ => 10 };
        var workDb = new Option<string?>("--work-db") { Description = "Database file for the run (default: a temporary file, deleted afterwards)." };
        var qaUrl = new Option<string?>("--qa-base-url") { Description = "OpenAI-compatible API base for QA mode (env AGENTMEM_QA_BASE_URL)." };
        var qaModel = new Option<string?>("--qa-model") { Description = "Reader model (env AGENTMEM_QA_MODEL)." };
        var qaKey = new Option<string?>("--qa-api-key") { Description = "API key (env AGENTMEM_QA_API_KEY)." };
        var judgeModel = new Option<string?>("--judge-model") { Description = "Judge model (env AGENTMEM_JUDGE_MODEL; default: the reader model)." };
        var command = new Command(kind, $"Benchmark on {kind}.") { file, ks, granularity, limit, json, report, includeAdversarial, contextK, workDb, qaUrl, qaModel, qaKey, judgeModel };
        Verb.Bind(command, g, stdout, stderr, async (ctx, parse, ct) =>
        {
            var options = new BenchmarkOptions
            {
                Ks = ParseKs(parse.GetValue(ks)!),
                Granularity = parse.GetValue(granularity)?.ToLowerInvariant() switch
                {
                    "turn" => Granularity.Turn,
                    "session" => Granularity.Session,
                    var other => throw new MemoryValidationException($"--granularity must be turn or session, not '{other}'."),
                },
                Limit = parse.GetValue(limit),
                IncludeAdversarial = parse.GetValue(includeAdversarial),
                ContextK = parse.GetValue(contextK),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new MemoryValidationException(ex.Message, ex);
            }

            string path = parse.GetValue(file)!;
            ctx.Output.Notice($"[grey]loading {Markup.Escape(path)}[/]");
            var dataset = await DatasetLoader.LoadAsync(kind, path, ct);
            using var qa = QaSetup.FromOptions(parse.GetValue(qaUrl), parse.GetValue(qaModel), parse.GetValue(qaKey), parse.GetValue(judgeModel));
            if (qa.Options is null)
            {
                ctx.Output.Notice("[yellow]QA mode skipped:[/] no chat endpoint configured (set --qa-base-url and --qa-model, or AGENTMEM_QA_BASE_URL and AGENTMEM_QA_MODEL). Retrieval metrics still run.");
            }

            string? explicitDb = parse.GetValue(workDb);
            string dir = explicitDb is null ? Path.Combine(Path.GetTempPath(), "agentmem-bench-" + Guid.NewGuid().ToString("N")[..8]) : string.Empty;
            string dbPath = explicitDb ?? Path.Combine(dir, "bench.db");
            try
            {
                var store = SqliteMemoryStore.Open(dbPath);
                await using var memory = new MemoryOS(store, new Bm25Retriever(store));
                var runner = new BenchmarkRunner(memory, options, qa: qa.Options);
                var run = await WithProgressAsync(ctx.Output, (progress, token) => runner.RunAsync(dataset, RunEnvironment.Describe(), progress, token), ct);

                ctx.Output.Out.Write(TextSummary.Format(run.Result));
                ctx.Output.Out.Flush();
                if (parse.GetValue(json) is { } jsonPath)
                {
                    JsonReportWriter.Write(jsonPath, run.Result, run.Manifest);
                    ctx.Output.Notice($"[grey]wrote {Markup.Escape(Path.GetFullPath(jsonPath))}[/]");
                }

                if (parse.GetValue(report) is { } reportDir)
                {
                    Directory.CreateDirectory(reportDir);
                    JsonReportWriter.Write(Path.Combine(reportDir, "result.json"), run.Result, run.Manifest);
                    MarkdownReportWriter.Write(Path.Combine(reportDir, "report.md"), run.Result, run.Manifest);
                    SvgChartWriter.Write(Path.Combine(reportDir, "recall.svg"), run.Result, $"{kind}: recall@k by category");
                    ctx.Output.Notice($"[grey]wrote report to {Markup.Escape(Path.GetFullPath(reportDir))}[/]");
                }

                return 0;
            }
            finally
            {
                if (explicitDb is null)
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    try
                    {
                        Directory.Delete(dir, recursive: true);
                    }
                    catch (IOException)
                    {
                        // A leftover temp folder is harmless.
                    }
                }
            }
        });
        return command;
    }

    private static List<int> ParseKs(string text)
    {
        var ks = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1)
            {
                throw new MemoryValidationException($"--k takes positive integers separated by commas, e.g. 1,5,10,20; '{part}' is not one.");
            }

            ks.Add(k);
        }

        return ks.Distinct().Order().ToList();
    }

    private static async Task<BenchmarkRun> WithProgressAsync(CliOutput output, Func<IProgress<BenchmarkProgress>, CancellationToken, Task<BenchmarkRun>> run, CancellationToken ct)
    {
        if (output.ErrorConsole.Profile.Capabilities.Interactive)
        {
            return await output.ErrorConsole.Progress().AutoClear(true).StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var progress = new SynchronousProgress(p =>
                {
                    if (!tasks.TryGetValue(p.Phase, out var task))
                    {
                        tasks[p.Phase] = task = context.AddTask(p.Phase, maxValue: Math.Max(1, p.Total));
                    }

                    task.Value = p.Done;
                });
                return await run(progress, ct);
            });
        }

        // Redirected: a line every 10% of each phase.
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = new SynchronousProgress(p =>
        {
            int decile = p.Done * 10 / Math.Max(1, p.Total);
            if (!last.TryGetValue(p.Phase, out int seen) || seen != decile)
            {
                last[p.Phase] = decile;
                output.Err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Phase} {p.Done:N0}/{p.Total:N0}"));
            }
        });
        return await run(lines, ct);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
    private sealed class SynchronousProgress(Action<BenchmarkProgress> report) : IProgress<BenchmarkProgress>
    {
        public void Report(BenchmarkProgress value) => report(value);
    }
}
