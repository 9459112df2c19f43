using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Datasets.Synthetic;
using AgentMem.Benchmarks.Metrics;
using AgentMem.Benchmarks.Reporting;
using AgentMem.Benchmarks.Runner;
using AgentMem.Common.IO;
using AgentMem.MemoryCore.Notes;

namespace AgentMem.Cli.Commands;

/// <summary><c>bench locomo|longmemeval|convomem FILE</c>: the conversational-memory benchmark runner (and the other bench verbs' home).</summary>
internal static class BenchCommand
{
    public static Command Create(Verbs verbs)
    {
        var bench = new Command("bench", "Run a conversational-memory benchmark (offline retrieval metrics; QA when a chat endpoint is configured).");
        foreach (string kind in DatasetLoader.Kinds)
        {
            bench.Subcommands.Add(CreateFor(kind, verbs));
        }

        bench.Subcommands.Add(AnnBenchCommand.Create(verbs));
        bench.Subcommands.Add(WorkloadBenchCommand.Create(verbs));
        bench.Subcommands.Add(WorkloadProbeCommand.Create(verbs));
        return bench;
    }

    private static Command CreateFor(string kind, Verbs verbs)
    {
        bool generated = kind == LongChatGenerator.Kind;
        var file = generated
            ? new Argument<string>("file") { Description = "A file written by `agentmem dataset longchat` (default: the set generated with seed 7, in memory).", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => string.Empty }
            : new Argument<string>("file") { Description = $"The {kind} dataset file (or folder, for convomem)." };
        var ks = new Option<string>("--k") { Description = "Cut-offs for recall@k, comma-separated.", DefaultValueFactory = _ => "1,5,10,20" };
        var granularity = new Option<string>("--granularity") { Description = "turn or session: what one memory holds.", DefaultValueFactory = _ => "turn" };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N questions." };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file (a cancelled run writes the questions it scored, marked interrupted in the manifest)." };
        var report = new Option<string?>("--report") { Description = "Write report.md, recall.svg and result.json to this folder." };
        var includeAdversarial = new Option<bool>("--include-adversarial") { Description = "Count adversarial/abstention questions in the headline numbers." };
        var contextK = new Option<int>("--context-k") { Description = "Memories handed to the reader as context.", DefaultValueFactory = _ => 10 };
        var workDb = new Option<string?>("--work-db") { Description = "Database file for the run, kept afterwards (default: a temporary file, deleted afterwards, or by the next run when this one is killed); a new file, since one that already holds a bench run is refused." };
        var postgres = new Option<string?>("--postgres") { Description = "Run on a database of its own on this PostgreSQL server (a postgresql:// URI) instead of a temporary SQLite file: created, then dropped with the indexes derived from it (the role needs CREATEDB)." };
        var qaUrl = new Option<string?>("--qa-base-url") { Description = "OpenAI-compatible API base for QA mode (env AGENTMEM_QA_BASE_URL)." };
        var qaModel = new Option<string?>("--qa-model") { Description = "Reader model (env AGENTMEM_QA_MODEL)." };
        var qaKey = new Option<string?>("--qa-api-key") { Description = "API key (env AGENTMEM_QA_API_KEY)." };
        var judgeModel = new Option<string?>("--judge-model") { Description = "Judge model (env AGENTMEM_JUDGE_MODEL; default: the reader model)." };
        var judgeMaxTokens = new Option<int>("--judge-max-tokens") { Description = "Longest reply asked of the judge, in tokens (default 8: it is asked for one word, CORRECT or WRONG). A reasoning model thinks first and needs far more; a reply with no verdict is counted apart (judge_unparsed), not as wrong.", DefaultValueFactory = _ => QaOptions.DefaultMaxJudgeTokens };
        var noFullContext = new Option<bool>("--no-full-context") { Description = "In QA mode, skip the full-context baseline (the whole conversation as the reader's context): half the reader calls, and no prompt the size of the conversation, which a model with a smaller context window refuses." };
        var conversations = new Option<string?>("--conversations") { Description = "Only these conversations, by 1-based position: e.g. 6-10 or 1,3,5." };
        var retriever = new Option<string>("--retriever") { Description = "hybrid, bm25 or vector.", DefaultValueFactory = _ => "hybrid" };
        var baseline = new Option<string>("--baseline") { Description = "A second retriever reported beside the first in the same run, or none (default: hybrid-hashing, the hybrid with the hashing embedder, when --embedder is a sentence model; else bm25)." };
        var features = new Option<string>("--features") { Description = "Memory-intelligence features: none, all, or a comma list of notes (keywords, tags, context, links, evolution at ingest), tags (tag matching in ranking), links (one-hop link expansion), time (time-aware ranking of when-questions).", DefaultValueFactory = _ => "none" };
        var fusion = new Option<string?>("--fusion") { Description = "How the hybrid fuses its signals: weighted (default: each scaled by its best, then summed) or rrf (reciprocal rank)." };
        var vectorWeight = new Option<float?>("--vector-weight") { Description = "Weight of the vector signal in the hybrid's fusion (default: 0.2 with the hashing embedder, 0.5 with a sentence model)." };
        var waitForEmbeddings = new Option<bool>("--wait-for-embeddings") { Description = "With a model embedder (vectors computed in the background), wait for all vectors before the first question, so the run is repeatable; progress shows it as the phase embed. (Every cube's search index is built before its questions either way, timed apart as prepare ms.)" };
        var rerankFeatures = new Option<string?>("--rerank-features") { Description = "Write every question's reranker features (the hybrid's best candidates, each with its features) to this JSON-lines file, to train a reranker with bench/Reranker/train.py." };
        var ablation = new Option<bool>("--ablation") { Description = "Run twice in one go, retrieval-only and with --features (all when none is given), and report both with per-category differences." };
        var tokenizer = TokenizerOption.Create("the context sizes the report gives (named in its manifest as token_counter)");
        return verbs.Create(kind, $"Benchmark on {kind}.", [
            file, ks, granularity, limit, json, report, includeAdversarial, contextK, workDb, postgres, qaUrl, qaModel, qaKey, judgeModel, judgeMaxTokens, noFullContext, retriever, baseline, conversations, features, ablation, waitForEmbeddings, vectorWeight, fusion, tokenizer, rerankFeatures,
        ], async (ctx, parse, ct) =>
        {
            // Before the run (minutes to hours): a result written over the database, into its index folder or over the dataset
            // would replace it.
            (string, string?) datasetFile = ("dataset", parse.GetValue(file));
            if (parse.GetValue(json) is { } jsonOut)
            {
                Parsing.OutputFile(ctx, jsonOut, "--json", datasetFile);
            }

            if (parse.GetValue(report) is { } reportOut)
            {
                foreach (string name in (string[])["result.json", "report.md", "recall.svg"])
                {
                    Parsing.OutputFile(ctx, Path.Combine(reportOut, name), "--report", datasetFile);
                }
            }

            if (parse.GetValue(rerankFeatures) is { } featuresOut)
            {
                Parsing.OutputFile(ctx, featuresOut, "--rerank-features", datasetFile);
            }

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
                BaselineRetriever = (parse.GetValue(baseline) ?? (ctx.Embedder.IsSentenceModel ? CliContext.HashingBaselineName : "bm25")) is var b && !string.Equals(b, "none", StringComparison.OrdinalIgnoreCase) && !string.Equals(b, parse.GetValue(retriever), StringComparison.OrdinalIgnoreCase) ? b : null,
            };
            Verb.Validate(options.Validate);
            if (parse.GetValue(rerankFeatures) is not null)
            {
                ValidateFeatureDump(options);
            }

            var counter = TokenizerOption.Resolve(parse.GetValue(tokenizer));

            string path = parse.GetValue(file)!;
            ctx.Output.Notice(path.Length == 0 ? "[grey]generating longchat (seed 7)[/]" : $"[grey]loading {TerminalText.Escape(path)}[/]");
            var dataset = generated && path.Length == 0 ? LongChatGenerator.Generate(new LongChatOptions()) : await DatasetLoader.LoadAsync(kind, path, ct);
            using var qa = QaSetup.FromOptions(parse.GetValue(qaUrl), parse.GetValue(qaModel), parse.GetValue(qaKey), parse.GetValue(judgeModel), fullContextBaseline: !parse.GetValue(noFullContext), judgeMaxTokens: parse.GetValue(judgeMaxTokens));
            if (qa.Options is null)
            {
                ctx.Output.Notice("[yellow]QA mode skipped:[/] no chat endpoint configured (set --qa-base-url and --qa-model, or AGENTMEM_QA_BASE_URL and AGENTMEM_QA_MODEL). Retrieval metrics still run.");
            }

            var chosen = MemoryFeatures.Parse(parse.GetValue(features)!);
            bool ablate = parse.GetValue(ablation);
            if (ablate && chosen.IsNone)
            {
                chosen = MemoryFeatures.All;
            }

            string? explicitDb = parse.GetValue(workDb);
            if (ablate && explicitDb is not null)
            {
                throw new MemoryValidationException("--ablation runs twice on fresh databases; it cannot be combined with --work-db.");
            }

            // A run killed outright (SIGKILL, out of memory) left its scratch folder, database and all, with nothing to
            // delete it; the next run does, for every such folder whose run is gone.
            AbandonedFolders.Sweep(ScratchPrefix, ScratchLock);
            string runId = Guid.NewGuid().ToString("N")[..8];
            string dir = Path.Combine(Path.GetTempPath(), ScratchPrefix + runId);
            var server = parse.GetValue(postgres) is not { } uri ? null
                : explicitDb is not null ? throw new MemoryValidationException("--postgres makes a database of its own; it cannot be combined with --work-db.")
                : ScratchDatabases.Server(uri);
            var created = new List<PostgresLocation>();
            async Task<StoreLocation> DatabaseAsync(string name)
            {
                if (server is null)
                {
                    return new SqliteLocation(Path.GetFullPath(explicitDb ?? Path.Combine(dir, name + ".db")));
                }

                var database = await ScratchDatabases.CreateAsync(server, "bench", runId, name, ct);
                created.Add(database);
                return database;
            }

            IReadOnlyDictionary<string, object?> ManifestOf(BenchmarkRun run, bool ablationBaseline) => chosen.IsNone ? run.Manifest
                : new Dictionary<string, object?>(run.Manifest, StringComparer.Ordinal) { ["memory_features"] = chosen.ToString(), ["ablation"] = ablationBaseline ? "baseline = same retriever without memory features" : null };

            // The files --json and --report name, and where they went.
            List<string> WriteFiles(BenchmarkResult result, IReadOnlyDictionary<string, object?> manifest, BenchmarkResult? comparison)
            {
                var written = new List<string>();
                if (parse.GetValue(json) is { } jsonPath)
                {
                    JsonReportWriter.Write(jsonPath, result, manifest, comparison);
                    written.Add(Path.GetFullPath(jsonPath));
                }

                if (parse.GetValue(report) is { } reportDir)
                {
                    Directory.CreateDirectory(reportDir);
                    JsonReportWriter.Write(Path.Combine(reportDir, "result.json"), result, manifest, comparison);
                    MarkdownReportWriter.Write(Path.Combine(reportDir, "report.md"), result, manifest, comparison);
                    SvgChartWriter.Write(Path.Combine(reportDir, "recall.svg"), result, $"{kind}: recall@k by category", options.Granularity);
                    written.Add("the report folder " + Path.GetFullPath(reportDir));
                }

                return written;
            }

            bool firstAblationPass = ablate;
            FileStream? scratchLock = null;
            try
            {
                if (server is null && explicitDb is null)
                {
                    // Held for the run: a sweep by another run leaves the folder alone while this process lives.
                    Directory.CreateDirectory(dir);
                    scratchLock = FolderLock.Take(dir, ScratchLock);
                }

                BenchmarkRun? retrievalOnly = null;
                if (ablate)
                {
                    ctx.Output.Notice("[grey]ablation 1/2: retrieval only[/]");
                    retrievalOnly = await RunOnceAsync(ctx, dataset, options, counter, qa.Options, MemoryFeatures.None, await DatabaseAsync("retrieval-only"), null, parse.GetValue(waitForEmbeddings), parse.GetValue(vectorWeight), parse.GetValue(fusion), null, ct);
                    firstAblationPass = false;
                    ctx.Output.Notice($"[grey]ablation 2/2: with {chosen}[/]");
                }

                var run = await RunOnceAsync(ctx, dataset, options, counter, qa.Options, chosen, await DatabaseAsync("bench"), explicitDb, parse.GetValue(waitForEmbeddings), parse.GetValue(vectorWeight), parse.GetValue(fusion), parse.GetValue(rerankFeatures), ct);
                var comparison = retrievalOnly?.Result ?? run.Baseline;
                var manifest = ManifestOf(run, ablationBaseline: ablate);

                if (ctx.Output.IsJson)
                {
                    // --json before the verb: the result document on stdout, as --json FILE writes it, and nothing else.
                    ctx.Output.Out.Write(JsonReportWriter.Render(run.Result, manifest, comparison));
                    ctx.Output.Out.Write('\n');
                }
                else
                {
                    WriteSummary(ctx, options, chosen, run, retrievalOnly);
                }

                ctx.Output.Out.Flush();
                foreach (string written in WriteFiles(run.Result, manifest, comparison))
                {
                    ctx.Output.Notice($"[grey]wrote {TerminalText.Escape(written)}[/]");
                }

                return 0;
            }
            catch (OperationCanceledException cancelled) when (ct.IsCancellationRequested)
            {
                // The generic "every batch reported as committed is stored" said the opposite of what happened: the scratch
                // database is deleted, and the questions scored (paid reader and judge calls in QA mode) were thrown away.
                string message;
                if (cancelled is not BenchmarkInterruptedException { Partial: { } partial } interrupted)
                {
                    message = "Cancelled before any question was scored; nothing was written.";
                }
                else
                {
                    string done = string.Create(CultureInfo.InvariantCulture, $"{partial.Result.Questions:N0} of {interrupted.Selected:N0} questions scored");
                    if (firstAblationPass)
                    {
                        // The retrieval-only pass is the ablation's baseline, not the result asked for.
                        message = $"Cancelled in the ablation's first pass (retrieval only) with {done}; nothing was written.";
                    }
                    else if (partial.Result.Questions == 0)
                    {
                        message = $"Cancelled with {done}; nothing was written.";
                    }
                    else
                    {
                        // Compared with the same run's baseline retriever, which answered the same questions (the ablation's
                        // retrieval-only pass answered them all).
                        var written = WriteFiles(partial.Result, ManifestOf(partial, ablationBaseline: false), partial.Baseline);
                        message = written.Count == 0
                            ? $"Cancelled with {done}; nothing was written (no --json or --report given)."
                            : $"Cancelled with {done}; the partial result (manifest: interrupted) was written to {string.Join(" and ", written)}.";
                    }
                }

                string kept = explicitDb is null ? string.Empty : $" The memories ingested so far stay in {explicitDb}.";
                return Verb.Report(ctx.Output, "Cancelled", message + kept) ? Verb.Cancelled : Verb.OutputFailed;
            }
            finally
            {
                scratchLock?.Dispose();
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var database in created)
                {
                    try
                    {
                        await ScratchDatabases.DropAsync(database, CancellationToken.None);
                    }
                    catch (Exception e) when (e is StoreUnavailableException or IOException or UnauthorizedAccessException)
                    {
                        // The run's result stands; say what is left behind rather than hide it behind this error.
                        ctx.Output.Notice($"[yellow]could not drop the run's database {TerminalText.Escape(database.Display)}:[/] {TerminalText.Escape(e.Message)} (drop it by hand)");
                    }
                }

                try
                {
                    if (Directory.Exists(dir))
                    {
                        Directory.Delete(dir, recursive: true);
                    }
                }
                catch (IOException)
                {
                    // A leftover temp folder is harmless.
                }
            }
        });
    }

    private static void WriteSummary(CliContext ctx, BenchmarkOptions options, MemoryFeatures chosen, BenchmarkRun run, BenchmarkRun? retrievalOnly)
    {
        ctx.Output.Out.Write($"Retriever: {options.Retriever}{(chosen.IsNone ? string.Empty : $" with memory features: {chosen}")}\n");
        ctx.Output.Out.Write(TextSummary.Format(run.Result));
        if (run.Manifest.TryGetValue("oversized_turns_skipped", out var skipped) && skipped is int count && count > 0)
        {
            ctx.Output.Out.Write(string.Create(CultureInfo.InvariantCulture, $"skipped     {count} turn(s) over the {run.Manifest["max_content_bytes"]:N0}-byte content limit: {run.Manifest["oversized_turns"]}\n"));
        }

        if (run.Manifest.TryGetValue("blank_turns_skipped", out var blank) && blank is int blanks && blanks > 0)
        {
            ctx.Output.Out.Write(string.Create(CultureInfo.InvariantCulture, $"skipped     {blanks} blank turn(s) or empty session(s), nothing to store: {run.Manifest["blank_turns"]}\n"));
        }

        int noVerdict = (run.Result.Overall.Qa?.JudgeUnparsed ?? 0) + (run.Result.FullContextQa?.JudgeUnparsed ?? 0);
        if (noVerdict > 0 && run.Manifest.TryGetValue("judge_max_output_tokens", out var cap))
        {
            // An empty or cut-off verdict is most often a reasoning judge out of output tokens: say which knob gives it more.
            ctx.Output.Out.Write(string.Create(CultureInfo.InvariantCulture, $"judge       {noVerdict} repl{(noVerdict == 1 ? "y" : "ies")} held neither CORRECT nor WRONG within {cap} tokens (left out of the judge mean); a reasoning judge needs a larger --judge-max-tokens\n"));
        }

        if (retrievalOnly is not null)
        {
            ctx.Output.Out.Write($"\nAblation from the same run: {options.Retriever}, retrieval only (no memory features)\n");
            ctx.Output.Out.Write(TextSummary.Format(retrievalOnly.Result));
            ctx.Output.Out.Write("\n" + TextSummary.FormatDifference(run.Result, retrievalOnly.Result, $"with {chosen}", "retrieval only"));
        }
        else if (run.Baseline is not null)
        {
            ctx.Output.Out.Write($"\nBaseline from the same run: {options.BaselineRetriever}\n");
            ctx.Output.Out.Write(TextSummary.Format(run.Baseline, ingestShared: true));
        }
    }

    /// <summary>Waits until the background embedder has given every memory its vector, with an <c>embed</c> progress phase.</summary>
    private static async Task WaitForEmbeddingsAsync(CliContext ctx, Retrieval.State.RetrievalState state, IReadOnlyList<string> cubes, IProgress<BenchmarkProgress> progress, CancellationToken ct)
    {
        // The runner has built every cube (PrepareCube), which queued the memories still without a vector.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await WaitForEmbeddingsAsync(state, progress, ct);
        ctx.Output.Notice($"[grey]embedded {cubes.Count} cubes in {watch.Elapsed.TotalSeconds:F1} s before the questions[/]");
        if (state.RefusedEmbeddings > 0)
        {
            // Set aside rather than failing the run: those memories are scored by their words alone.
            ctx.Output.Notice($"[yellow]{state.RefusedEmbeddings} memories have no vector:[/] the embedder refused them ({TerminalText.Escape(state.LastEmbeddingRefusal?.Message ?? "no reason given")}); they are searched by their words only");
        }
    }

    /// <summary>
    /// Waits for the background embedder, reporting the phase <c>embed</c>: the vectors added since the wait began, of those
    /// then waiting and any queued since. The state's own <see cref="Retrieval.State.RetrievalStateOptions.EmbeddingProgress"/>
    /// is told as before, and put back afterwards. The run printed nothing until every vector was in, on CPU with a
    /// sentence model long enough to look hung.
    /// </summary>
    internal static async Task WaitForEmbeddingsAsync(Retrieval.State.RetrievalState state, IProgress<BenchmarkProgress> progress, CancellationToken ct)
    {
        long before = state.BackgroundEmbedded;
        void Report(Retrieval.State.EmbeddingProgress now)
        {
            long done = Math.Max(0, now.Embedded - before);
            progress.Report(new BenchmarkProgress("embed", (int)Math.Min(done, int.MaxValue), (int)Math.Min(done + now.Pending, int.MaxValue)));
        }

        Report(new(state.PendingEmbeddings, before));
        var own = state.Options.EmbeddingProgress;
        state.Options.EmbeddingProgress = new SynchronousProgress<Retrieval.State.EmbeddingProgress>(now =>
        {
            own?.Report(now);
            Report(now);
        });
        try
        {
            await state.WaitForEmbeddingsAsync(ct);
        }
        finally
        {
            state.Options.EmbeddingProgress = own;
        }

        Report(new(state.PendingEmbeddings, state.BackgroundEmbedded));
    }

    /// <summary>
    /// Builds a cube's in-memory search indexes in the states the run's retrievers search (the hybrid's and vector's, the
    /// hybrid-hashing baseline's), which they would otherwise build on the cube's first search and time as that search.
    /// bm25 searches the store's own full-text index and needs nothing.
    /// </summary>
    private static async Task PrepareCubeAsync(BenchmarkOptions options, Retrieval.State.RetrievalState state, Retrieval.State.RetrievalState? baselineState, string tenant, string cube, CancellationToken ct)
    {
        bool UsesState(string? name) => name is not null && !string.Equals(name, "bm25", StringComparison.OrdinalIgnoreCase) && name != CliContext.HashingBaselineName;
        if (UsesState(options.Retriever) || UsesState(options.BaselineRetriever))
        {
            await state.PrepareAsync(tenant, cube, ct);
        }

        if (baselineState is not null)
        {
            await baselineState.PrepareAsync(tenant, cube, ct);
        }
    }

    private static async Task<BenchmarkRun> RunOnceAsync(CliContext ctx, BenchmarkDataset dataset, BenchmarkOptions options, MemoryCore.Ports.ITokenCounter counter, QaOptions? qa, MemoryFeatures features, StoreLocation database, string? workDb, bool waitForEmbeddings, float? vectorWeight, string? fusion, string? featureDump, CancellationToken ct)
    {
        if (database is SqliteLocation file)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file.Path)!);
        }

        var hybrid = features.ApplyTo(ctx.DefaultHybrid());
        if (featureDump is not null)
        {
            // Every candidate the reranker would see comes back, each with its features as score components.
            hybrid.ReportRerankFeatures = true;
            options.SearchK = Math.Max(Math.Max(hybrid.RerankDepth, options.Ks.Max()), options.ContextK);
        }

        if (vectorWeight is { } weight)
        {
            if (!(weight >= 0 && float.IsFinite(weight)))
            {
                throw new MemoryValidationException($"--vector-weight must be a finite number ≥ 0; {weight} is not.");
            }

            hybrid.VectorWeight = weight;
        }

        hybrid.Fusion = fusion?.ToLowerInvariant() switch
        {
            null or "weighted" => hybrid.Fusion,
            "rrf" => Retrieval.Hybrid.FusionMethod.ReciprocalRank,
            var other => throw new MemoryValidationException($"--fusion must be weighted or rrf, not '{other}'."),
        };

        // Before the database is made and the feature file is touched.
        Verb.Validate(() => options.ValidateFor(dataset));
        await using var memory = (ctx with { BuildAnnInBackground = true }).Compose(database, hybrid, hashingBaseline: options.BaselineRetriever == CliContext.HashingBaselineName, out var state, out var baselineState);
        Verb.Validate(() => options.ValidateFor(memory.Options)); // --context-k over what a search returns, before the ingest
        foreach (string? name in new[] { options.Retriever, options.BaselineRetriever })
        {
            if (name is not null && !memory.RetrieverNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new MemoryValidationException($"Unknown retriever '{name}'; use one of {string.Join(", ", memory.RetrieverNames)}.");
            }
        }

        // A previous or interrupted run's cubes hold the names this run's conversations take: the first one failed as a
        // bare store error ("a cube named 'conv-…' already exists") that named neither the option nor a way out.
        if (workDb is not null && (await memory.ListCubesAsync(new Scope(options.Tenant), ct)).Count > 0)
        {
            throw new MemoryValidationException($"--work-db {workDb} already holds a bench run (cubes in tenant '{options.Tenant}'); delete that file or name a new file.");
        }

        using var notes = features.Notes ? new NoteKeeper(memory) : null;
        Task<BenchmarkRun> RunAsync(RerankFeatureWriter? dump, CancellationToken token) =>
            WithProgressAsync(ctx.Output, (progress, t) => new BenchmarkRunner(memory, options, counter, qa)
            {
                RetrieverConfiguration = RetrieverConfiguration(options.Retriever, hybrid, database) + $"; embedder {ctx.Embedder.Kind}{(ctx.Embedder.Model is { } m ? " " + m : string.Empty)}",
                Notes = notes,
                PrepareCube = (tenant, cube, cancel) => PrepareCubeAsync(options, state, baselineState, tenant, cube, cancel),
                AfterIngest = waitForEmbeddings ? (_, cubes, cancel) => WaitForEmbeddingsAsync(ctx, state, cubes, progress, cancel) : null,
                AfterSearch = dump is null ? null : dump.WriteAsync,
            }.RunAsync(dataset, Manifest(database), progress, t), token);

        if (featureDump is null)
        {
            return await RunAsync(null, ct);
        }

        BenchmarkRun? run = null;
        int questions = await RerankFeatureWriter.WriteFileAsync(featureDump, dataset, async (dump, token) => run = await RunAsync(dump, token), ct);
        ctx.Output.Notice($"[grey]reranker features of {questions} questions written to {TerminalText.Escape(featureDump)}[/]");
        return run!;
    }

    /// <summary>Refuses, before any work, what <c>--rerank-features</c> cannot write a training set for.</summary>
    private static void ValidateFeatureDump(BenchmarkOptions options)
    {
        // A session memory's reference is the session, and the labels are turns: every candidate was a negative.
        if (options.Granularity == Granularity.Session)
        {
            throw new MemoryValidationException("--rerank-features labels candidates by turn; it needs --granularity turn.");
        }

        // Only the hybrid computes the features; another retriever found that out after ingesting the whole dataset.
        string hybrid = new Retrieval.Hybrid.HybridOptions().Name;
        if (options.Retriever is { } name && !string.Equals(name, hybrid, StringComparison.OrdinalIgnoreCase))
        {
            throw new MemoryValidationException($"--rerank-features writes the features the hybrid reranks by; it needs --retriever {hybrid}, not '{name}'.");
        }
    }

    // The host's facts, and which store the run wrote to (its bm25 is that store's own full-text search).
    private static Dictionary<string, object?> Manifest(StoreLocation database)
    {
        var manifest = RunEnvironment.Describe();
        manifest["store"] = database is PostgresLocation ? "postgresql" : "sqlite";
        return manifest;
    }

    private static string RetrieverConfiguration(string? name, Retrieval.Hybrid.HybridOptions hybrid, StoreLocation database) => name?.ToLowerInvariant() switch
    {
        "bm25" when database is PostgresLocation => "PostgreSQL full-text search, english configuration, BM25 k1=1.2 b=0.5 over matched terms: idf ln(1 + (N - n + 0.5)/(n + 0.5)), tf = the term's weighted occurrence count, ts_rank_cd without normalisation (weights text=1.0 tags=keywords=0.8 actor=0.6 context=0.4), dl = word count (search_length), avgdl over the filtered memories; query: stop words removed, terms OR-ed",
        "bm25" => "SQLite FTS5 bm25, porter unicode61 tokenizer, column weights text=1.0 actor=0.6 tags=0.8 keywords=0.8 context=0.4; query: stop words removed, terms OR-ed",
        "vector" => $"{Retrieval.Embeddings.HashingEmbedder.Version} embedder (1024 dims: stemmed words, word pairs, char 3-5-grams; IDF fitted per cube), exact cosine",
        _ => DescribeHybrid(hybrid),
    };

    private static string DescribeHybrid(Retrieval.Hybrid.HybridOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"hybrid {o.Fusion}: bm25 item {o.ItemWeight}, bm25 window(±{o.WindowRadius} in session) {o.WindowWeight}, bm25 session {o.SessionWeight}, {Retrieval.Embeddings.HashingEmbedder.Version} vector {o.VectorWeight}, named-actor boost {o.ActorWeight}, recency {o.RecencyWeight}, strength {o.StrengthWeight}, tags {o.TagWeight}, links {o.LinkWeight} (seeds {o.LinkSeeds}), time {o.TimeWeight}; in-memory BM25 k1=1.2 b=0.75 with Porter stemming and stop words");

    /// <summary>What starts the name of a run's scratch folder under the temp path (its SQLite databases), before the run's id.</summary>
    internal const string ScratchPrefix = "agentmem-bench-";

    /// <summary>The lock file a run holds in its scratch folder while it lives (<see cref="AbandonedFolders"/>).</summary>
    internal const string ScratchLock = "owner.lock";

    // More positions than any dataset holds (ConvoMem, the largest, has tens of thousands of cases).
    private const int MaxListedPositions = 1_000_000;

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

            // Enumerated into a set: a huge range filled memory.
            if (to - from >= MaxListedPositions || positions.Count + (to - from) >= MaxListedPositions)
            {
                throw new MemoryValidationException(string.Create(CultureInfo.InvariantCulture, $"--conversations names more than {MaxListedPositions:N0} positions ('{part}'); no dataset bench reads has that many conversations."));
            }

            // A long counter: an int one wrapped after int.MaxValue, so a range ending there never ended (i <= to always held).
            for (long i = from; i <= to; i++)
            {
                positions.Add((int)i);
            }
        }

        // "," or " " parsed to no position, and a run of 0 questions was reported as done.
        return positions.Count > 0 ? positions : throw new MemoryValidationException("--conversations names no conversation; give 1-based positions and ranges such as 6-10 or 1,3,5.");
    }

    private static List<int> ParseKs(string text) => Parsing.PositiveIntegers(text, "--k", "1,5,10,20").Distinct().Order().ToList();

    /// <summary>Runs a benchmark with a progress display on standard error: bars on a terminal, a line per 10 % of each phase otherwise.</summary>
    internal static async Task<T> WithProgressAsync<T>(CliOutput output, Func<IProgress<BenchmarkProgress>, CancellationToken, Task<T>> run, CancellationToken ct)
    {
        if (output.ErrorConsole.Profile.Capabilities.Interactive)
        {
            return await output.ErrorConsole.Progress().AutoClear(true).StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var progress = new SynchronousProgress<BenchmarkProgress>(p =>
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
        var lines = new SynchronousProgress<BenchmarkProgress>(p =>
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
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
