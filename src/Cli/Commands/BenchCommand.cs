using System.CommandLine;
using System.Globalization;
using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Qa;
using AgentMem.Benchmarks.Reporting;
using AgentMem.Benchmarks.Runner;
using AgentMem.Cli.Output;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
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
        var conversations = new Option<string?>("--conversations") { Description = "Only these conversations, by 1-based position: e.g. 6-10 or 1,3,5." };
        var retriever = new Option<string>("--retriever") { Description = "hybrid, bm25 or vector.", DefaultValueFactory = _ => "hybrid" };
        var baseline = new Option<string>("--baseline") { Description = "A second retriever reported beside the first in the same run, or none.", DefaultValueFactory = _ => "bm25" };
        var command = new Command(kind, $"Benchmark on {kind}.") { file, ks, granularity, limit, json, report, includeAdversarial, contextK, workDb, qaUrl, qaModel, qaKey, judgeModel, retriever, baseline, conversations };
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
                Retriever = parse.GetValue(retriever),
                ConversationPositions = parse.GetValue(conversations) is { } spec ? ParsePositions(spec) : null,
                BaselineRetriever = parse.GetValue(baseline) is { } b && !string.Equals(b, "none", StringComparison.OrdinalIgnoreCase) && !string.Equals(b, parse.GetValue(retriever), StringComparison.OrdinalIgnoreCase) ? b : null,
            };
            Verb.Validate(options.Validate);

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
                await using var memory = ctx.Compose(SqliteMemoryStore.Open(dbPath));
                foreach (string? name in new[] { options.Retriever, options.BaselineRetriever })
                {
                    if (name is not null && !memory.RetrieverNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                    {
                        throw new MemoryValidationException($"Unknown retriever '{name}'; use one of {string.Join(", ", memory.RetrieverNames)}.");
                    }
                }

                var runner = new BenchmarkRunner(memory, options, qa: qa.Options) { RetrieverConfiguration = RetrieverConfiguration(options.Retriever) + $"; embedder {ctx.Embedder.Kind}{(ctx.Embedder.Model is { } m ? " " + m : string.Empty)}" };
                var run = await WithProgressAsync(ctx.Output, (progress, token) => runner.RunAsync(dataset, RunEnvironment.Describe(), progress, token), ct);

                ctx.Output.Out.Write($"Retriever: {options.Retriever}\n");
                ctx.Output.Out.Write(TextSummary.Format(run.Result));
                if (run.Baseline is not null)
                {
                    ctx.Output.Out.Write($"\nBaseline from the same run: {options.BaselineRetriever}\n");
                    ctx.Output.Out.Write(TextSummary.Format(run.Baseline));
                }

                ctx.Output.Out.Flush();
                if (parse.GetValue(json) is { } jsonPath)
                {
                    JsonReportWriter.Write(jsonPath, run.Result, run.Manifest, run.Baseline);
                    ctx.Output.Notice($"[grey]wrote {Markup.Escape(Path.GetFullPath(jsonPath))}[/]");
                }

                if (parse.GetValue(report) is { } reportDir)
                {
                    Directory.CreateDirectory(reportDir);
                    JsonReportWriter.Write(Path.Combine(reportDir, "result.json"), run.Result, run.Manifest, run.Baseline);
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

    private static string RetrieverConfiguration(string? name) => name?.ToLowerInvariant() switch
    {
        "bm25" => "SQLite FTS5 bm25, porter unicode61 tokenizer, column weights text=1.0 actor=0.6 tags=0.8 keywords=0.8 context=0.4; query: stop words removed, terms OR-ed",
        "vector" => "hashing-v1 embedder (1024 dims: stemmed words, word pairs, char 3-5-grams; IDF fitted per cube), exact cosine",
        _ => DescribeHybrid(new Retrieval.Hybrid.HybridOptions()),
    };

    private static string DescribeHybrid(Retrieval.Hybrid.HybridOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"hybrid {o.Fusion}: bm25 item {o.ItemWeight}, bm25 window(±{o.WindowRadius} in session) {o.WindowWeight}, bm25 session {o.SessionWeight}, hashing-v1 vector {o.VectorWeight}, named-actor boost {o.ActorWeight}, recency {o.RecencyWeight}, strength {o.StrengthWeight}; in-memory BM25 k1=1.2 b=0.75 with Porter stemming and stop words");

    private static HashSet<int> ParsePositions(string spec)
    {
        var positions = new HashSet<int>();
        foreach (string part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length is < 1 or > 2
                || !int.TryParse(ends[0], NumberStyles.None, CultureInfo.InvariantCulture, out int from)
                || !int.TryParse(ends[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int to)
                || from < 1 || to < from)
            {
                throw new MemoryValidationException($"--conversations takes 1-based positions and ranges such as 6-10 or 1,3,5; '{part}' is not one.");
            }

            for (int i = from; i <= to; i++)
            {
                positions.Add(i);
            }
        }

        return positions;
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
