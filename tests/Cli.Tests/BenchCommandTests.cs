using System.Text.Json;
using System.Xml.Linq;
using AgentMem.Benchmarks.Runner;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.State;
using Microsoft.Extensions.AI;

namespace AgentMem.Cli.Tests;

/// <summary>The benchmark verbs on the real shared datasets, offline, on the embedded default.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private static string Shared(params string[] parts) => Path.GetFullPath(RepoPaths.File(["..", "shared", "datasets", .. parts]));

    [Theory]
    [InlineData("--granularity", "session", "--granularity turn")] // a session memory's reference is the session and the labels are turns: negatives only
    [InlineData("--retriever", "bm25", "--retriever hybrid")] // only the hybrid computes the features: bm25 ingested the dataset, then failed as an internal error
    public async Task Reranker_features_that_cannot_be_labelled_are_refused_before_any_work(string option, string value, string message)
    {
        string dump = Path.Combine(cli.Folder, "features.jsonl");
        var (code, _, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", "1", option, value, "--rerank-features", dump);
        Assert.Equal(1, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.DoesNotContain("ingest", err, StringComparison.Ordinal);
        Assert.False(File.Exists(dump));
    }

    [Fact]
    public async Task The_reranker_feature_file_is_replaced_only_by_a_finished_run()
    {
        string dump = Path.Combine(cli.Folder, "features.jsonl");
        await File.WriteAllTextAsync(dump, "previous\n");
        string[] args = ["bench", "locomo", Shared("locomo", "locomo10.json"), "--rerank-features", dump];

        // A bad option: refused before the file is touched.
        var (code, _, err) = await cli.RunAsync([.. args, "--conversations", "11"]);
        Assert.Equal(1, code);
        Assert.Equal("previous\n", await File.ReadAllTextAsync(dump));

        // Cancelled part way through the questions: the previous file stands, and nothing is left beside it.
        using var cts = new CancellationTokenSource();
        using (var stdout = new StringWriter())
        using (var stderr = new CancelOnText("search", cts))
        {
            code = await CliApp.RunAsync(["--db", cli.DbPath, .. args, "--conversations", "1"], stdout, stderr, Output.TerminalKind.None, cts.Token);
        }

        Assert.Equal(130, code);
        Assert.Equal("previous\n", await File.ReadAllTextAsync(dump));
        Assert.Equal([dump], Directory.GetFiles(cli.Folder, "features.jsonl*"));

        // A finished run replaces it: one line per question.
        (code, _, err) = await cli.RunAsync([.. args, "--conversations", "1"]);
        Assert.True(code == 0, err);
        string[] lines = await File.ReadAllLinesAsync(dump);
        Assert.Contains($"reranker features of {lines.Length} questions", err, StringComparison.Ordinal);
        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.True(doc.RootElement.GetProperty("candidates").GetArrayLength() > 0, line);
        }

        Assert.Equal([dump], Directory.GetFiles(cli.Folder, "features.jsonl*"));
    }

    [Fact]
    public async Task A_conversation_the_dataset_does_not_have_is_a_user_error()
    {
        var (code, _, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", "11");
        Assert.Equal(1, code);
        Assert.Contains("Conversation 11 was asked for, but the dataset has 10", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",")]
    [InlineData(" ")]
    public async Task A_conversation_list_that_names_none_is_a_user_error(string spec)
    {
        // It parsed to no position at all, and the run of 0 questions was reported as done.
        var (code, _, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", spec);
        Assert.Equal(1, code);
        Assert.Contains("--conversations names no conversation", err, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120_000)] // a hang guard: the range to int.MaxValue never ended
    [InlineData("5-2147483647")]
    [InlineData("1-600000,700000-1400000")]
    public async Task A_conversation_range_of_more_positions_than_any_dataset_is_a_user_error(string spec)
    {
        var (code, _, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", spec);
        Assert.Equal(1, code);
        Assert.Contains("--conversations names more than 1,000,000 positions", err, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120_000)] // a hang guard: the loop counter wrapped past int.MaxValue and the range never ended
    [InlineData("2147483647")]
    [InlineData("2147483000-2147483647")]
    public async Task A_conversation_range_that_ends_at_the_largest_integer_ends_as_a_user_error(string spec)
    {
        // Small enough for the size guard, the range was enumerated with an int that wrapped to int.MinValue after
        // int.MaxValue: the loop never ended and filled memory before the dataset was read.
        var (code, _, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", spec);
        Assert.Equal(1, code);
        Assert.Contains("was asked for, but the dataset has 10", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_context_than_a_search_returns_is_a_user_error_before_the_ingest()
    {
        // The first search refused k = 2000 only after the whole conversation was ingested.
        var (code, _, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", "1", "--context-k", "2000");
        Assert.Equal(1, code);
        Assert.Contains("2000", err, StringComparison.Ordinal);
        Assert.DoesNotContain("ingest", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Locomo_runs_offline_and_reports_1536_headline_questions_with_category_5_apart()
    {
        string json = Path.Combine(cli.Folder, "out.json");
        string report = Path.Combine(cli.Folder, "report");
        var (code, output, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--json", json, "--report", report);

        Assert.True(code == 0, err);
        Assert.Contains("QA mode skipped", err, StringComparison.Ordinal);
        Assert.Contains("R@10", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = doc.RootElement;
        Assert.Equal("locomo", root.GetProperty("dataset").GetString());
        Assert.Equal(1536, root.GetProperty("questions").GetInt32());
        Assert.Equal(1986, root.GetProperty("questions_total").GetInt32());
        Assert.Equal(["1", "5", "10", "20"], root.GetProperty("recall").EnumerateObject().Select(p => p.Name));
        double r10 = root.GetProperty("recall").GetProperty("10").GetDouble();
        Assert.InRange(r10, 0.65, 1.0); // hybrid measured 0.712; a drop below 0.65 is a regression
        double baseline10 = root.GetProperty("baseline").GetProperty("recall").GetProperty("10").GetDouble();
        Assert.InRange(baseline10, 0.5, r10); // BM25 alone, same run: measured 0.597
        Assert.Equal(["1", "2", "3", "4"], root.GetProperty("baseline").GetProperty("by_category").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["1", "2", "3", "4"], root.GetProperty("by_category").EnumerateObject().Select(p => p.Name));
        Assert.Equal(446, root.GetProperty("excluded").GetProperty("5").GetProperty("n").GetInt32());
        Assert.True(root.GetProperty("latency_ms").GetProperty("search_p50").GetDouble() > 0);
        Assert.True(root.GetProperty("tokens").GetProperty("full_context_mean").GetDouble() > root.GetProperty("tokens").GetProperty("context_mean").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("qa").ValueKind);

        var manifest = root.GetProperty("manifest");
        Assert.Equal(64, manifest.GetProperty("dataset_sha256").GetString()!.Length);
        Assert.False(string.IsNullOrEmpty(manifest.GetProperty("git_commit").GetString()));
        Assert.Equal("hybrid", manifest.GetProperty("retriever").GetString());
        Assert.Equal("bm25", manifest.GetProperty("baseline_retriever").GetString());
        Assert.Equal("sqlite", manifest.GetProperty("store").GetString());
        Assert.Contains("window", manifest.GetProperty("retriever_config").GetString(), StringComparison.Ordinal);
        Assert.False(manifest.GetProperty("adversarial_included_in_headline").GetBoolean());
        Assert.StartsWith("o200k_base", manifest.GetProperty("token_counter").GetString(), StringComparison.Ordinal); // the default, exact

        Assert.True(File.Exists(Path.Combine(report, "report.md")));
        Assert.True(File.Exists(Path.Combine(report, "result.json")));
        var svg = XDocument.Load(Path.Combine(report, "recall.svg"));
        Assert.Equal("svg", svg.Root!.Name.LocalName);
    }

    [Fact]
    public async Task No_full_context_asks_the_reader_only_about_the_retrieved_memories_and_reports_no_full_context_scores()
    {
        // A reader with a small context window refuses the whole conversation (about 31k tokens on LoCoMo); the baseline
        // was always asked for, and the refusal ended the run.
        await using var server = new AgentMem.Cli.Tests.Chat.ScriptedChatServer((_, request) => AgentMem.Cli.Tests.Chat.ChatScript.Say(request.UserMessage.Length > 20_000 ? "FULL" : "Not mentioned."));
        string json = Path.Combine(cli.Folder, "qa.json");

        var (code, _, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", "1", "--limit", "2", "--baseline", "none", "--qa-base-url", server.BaseUrl, "--qa-model", "scripted", "--no-full-context", "--json", json);

        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.Equal(2, doc.RootElement.GetProperty("qa").GetProperty("n").GetInt32());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("qa_full_context").ValueKind);
        Assert.Equal(4, server.Requests.Count); // a reader and a judge call per question, none with the whole conversation
        Assert.All(server.Requests, r => Assert.True(r.UserMessage.Length < 20_000, r.UserMessage.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_judge_reply_without_a_verdict_is_counted_apart_and_the_judge_token_cap_is_an_option_named_in_the_manifest()
    {
        // A reasoning judge spends its 8 output tokens thinking and replies nothing: each such reply read as WRONG, the
        // judge mean fell to 0, and nothing said why or what to change.
        await using var server = new AgentMem.Cli.Tests.Chat.ScriptedChatServer((_, request) => AgentMem.Cli.Tests.Chat.ChatScript.Say(request.Messages[0].Content == AgentMem.Benchmarks.Qa.QaPrompts.JudgeSystem ? string.Empty : "Not mentioned."));
        string json = Path.Combine(cli.Folder, "judge.json");

        var (code, output, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", "1", "--limit", "2", "--baseline", "none", "--qa-base-url", server.BaseUrl, "--qa-model", "scripted", "--no-full-context", "--judge-max-tokens", "40", "--json", json);

        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var qa = doc.RootElement.GetProperty("qa");
        Assert.Equal(JsonValueKind.Null, qa.GetProperty("judge").ValueKind);
        Assert.Equal(2, qa.GetProperty("judge_unparsed").GetInt32());
        Assert.Equal(40, doc.RootElement.GetProperty("manifest").GetProperty("judge_max_output_tokens").GetInt32());
        Assert.Contains("2 replies held neither CORRECT nor WRONG within 40 tokens", output, StringComparison.Ordinal);
        var judged = server.Requests.Where(r => r.Messages[0].Content == AgentMem.Benchmarks.Qa.QaPrompts.JudgeSystem).ToList();
        Assert.Equal(2, judged.Count);
        Assert.All(judged, r => Assert.Contains("_tokens\":40", r.Body.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Locomo_runs_on_a_postgres_database_of_its_own_with_the_same_hybrid_recall()
    {
        string server = PostgresServer.UriOrSkip();
        async Task<JsonElement> RunAsync(string name, params string[] more)
        {
            string json = Path.Combine(cli.Folder, name + ".json");
            var (code, _, err) = await cli.RunAsync(["bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", "1", "--json", json, .. more]);
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            return doc.RootElement.Clone();
        }

        var onFile = await RunAsync("sqlite");
        var onServer = await RunAsync("postgres", "--postgres", server);

        // The hybrid is served from the node's indexes, so the store does not change its ranking; bm25 is each store's own.
        Assert.Equal(onFile.GetProperty("recall").GetRawText(), onServer.GetProperty("recall").GetRawText());
        Assert.Equal(onFile.GetProperty("questions").GetInt32(), onServer.GetProperty("questions").GetInt32());
        Assert.InRange(onServer.GetProperty("baseline").GetProperty("recall").GetProperty("10").GetDouble(), 0.4, 1.0);
        Assert.Equal(("sqlite", "postgresql"), (onFile.GetProperty("manifest").GetProperty("store").GetString(), onServer.GetProperty("manifest").GetProperty("store").GetString()));
        var bm25 = await RunAsync("postgres-bm25", "--postgres", server, "--retriever", "bm25", "--baseline", "none");
        Assert.StartsWith("PostgreSQL full-text search", bm25.GetProperty("manifest").GetProperty("retriever_config").GetString(), StringComparison.Ordinal);
        static List<(string, double)> Recall(JsonElement result) => [.. result.GetProperty("recall").EnumerateObject().Select(p => (p.Name, p.Value.GetDouble()))];
        Assert.Equal(Recall(onServer.GetProperty("baseline")), Recall(bm25)); // the same bm25, as baseline or as the retriever
    }

    [Theory]
    [InlineData("--postgres", "not-a-uri", "postgresql:// URI")]
    [InlineData("--work-db", "x.db", "cannot be combined with --work-db")]
    public async Task The_postgres_option_refuses_what_it_cannot_use(string option, string value, string message)
    {
        string[] args = option == "--postgres"
            ? ["bench", "locomo", Shared("locomo", "locomo10.json"), option, value]
            : ["bench", "locomo", Shared("locomo", "locomo10.json"), "--postgres", "postgresql://nobody@127.0.0.1:1/none", option, Path.Combine(cli.Folder, value)];
        var (code, _, err) = await cli.RunAsync(args);
        Assert.Equal(1, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_work_db_that_already_holds_a_bench_run_is_refused_by_name_before_the_ingest()
    {
        // The second run failed at its first cube with "A cube named 'conv-…' already exists", naming neither the option
        // nor what to do.
        string db = Path.Combine(cli.Folder, "work.db");
        string[] args = ["bench", "longmemeval", Shared("longmemeval", "longmemeval_sample2.json"), "--baseline", "none", "--limit", "1", "--work-db", db];
        var (code, _, err) = await cli.RunAsync(args);
        Assert.True(code == 0, err);

        (code, _, err) = await cli.RunAsync(args);

        Assert.Equal(1, code);
        Assert.Contains($"--work-db {db} already holds a bench run", err, StringComparison.Ordinal);
        Assert.Contains("new file", err, StringComparison.Ordinal);
        Assert.DoesNotContain("ingest", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_report_labels_what_k_counts_and_the_baseline_block_shares_the_runs_ingest()
    {
        // recall.svg read "k (retrieved turns)" for session memories, and the bm25 block printed an ingest of n=0.
        string report = Path.Combine(cli.Folder, "sessions");
        var (code, output, err) = await cli.RunAsync("bench", "longmemeval", Shared("longmemeval", "longmemeval_sample2.json"), "--granularity", "session", "--report", report);

        Assert.True(code == 0, err);
        string svg = await File.ReadAllTextAsync(Path.Combine(report, "recall.svg"));
        Assert.Contains("k (retrieved sessions)", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("retrieved turns", svg, StringComparison.Ordinal);
        string baseline = output[output.IndexOf("Baseline from the same run", StringComparison.Ordinal)..];
        Assert.Contains("ingest      shared with the run above", baseline, StringComparison.Ordinal);
        Assert.DoesNotContain("ingest ms", baseline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongMemEval_and_ConvoMem_samples_run_offline()
    {
        string lme = Path.Combine(cli.Folder, "lme.json");
        var (code, _, err) = await cli.RunAsync("bench", "longmemeval", Shared("longmemeval", "longmemeval_sample2.json"), "--json", lme, "--tokenizer", "cl100k");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(await File.ReadAllTextAsync(lme)))
        {
            Assert.Equal(2, doc.RootElement.GetProperty("questions_total").GetInt32());
            Assert.StartsWith("cl100k_base", doc.RootElement.GetProperty("manifest").GetProperty("token_counter").GetString(), StringComparison.Ordinal);
            Assert.True(doc.RootElement.GetProperty("recall").TryGetProperty("10", out _));

            // One cube per question: each one's index is built before its question, not timed as its (only) search.
            Assert.Equal(2, doc.RootElement.GetProperty("latency_ms").GetProperty("prepare_count").GetInt32());
            Assert.StartsWith("warm searches", doc.RootElement.GetProperty("manifest").GetProperty("search_latency").GetString(), StringComparison.Ordinal);
        }

        string cm = Path.Combine(cli.Folder, "cm.json");
        (code, _, err) = await cli.RunAsync("bench", "convomem", Shared("convomem"), "--json", cm, "--k", "5,10");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(await File.ReadAllTextAsync(cm)))
        {
            Assert.Equal(13, doc.RootElement.GetProperty("questions_total").GetInt32());
            Assert.Equal(["5", "10"], doc.RootElement.GetProperty("recall").EnumerateObject().Select(p => p.Name));
        }

        // The global --json (before the verb): the same document on stdout, and nothing else there.
        string output;
        (code, output, err) = await cli.RunAsync("--json", "bench", "convomem", Shared("convomem"), "--k", "5,10");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(output))
        {
            Assert.Equal(13, doc.RootElement.GetProperty("questions_total").GetInt32());
        }
    }

    [Theory]
    [InlineData("--k", "0,5")]
    [InlineData("--granularity", "paragraph")]
    [InlineData("--limit", "0")]
    [InlineData("--fusion", "bogus")]
    [InlineData("--vector-weight", "-1")]
    [InlineData("--tokenizer", "gpt5")]
    [InlineData("--judge-max-tokens", "0")]
    public async Task Bad_options_fail_with_a_message(string option, string value)
    {
        var (code, _, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), option, value);
        Assert.Equal(1, code);
        Assert.Contains("error:", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_dataset_file_fails_with_its_name()
    {
        string path = Path.Combine(cli.Folder, "broken.json");
        await File.WriteAllTextAsync(path, "[{\"sample_id\": \"x\"");
        var (code, _, err) = await cli.RunAsync("bench", "locomo", path);
        Assert.Equal(1, code);
        Assert.Contains("broken.json", err, StringComparison.Ordinal);
        Assert.Contains("error: ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_for_embeddings_reports_an_embed_phase_that_reaches_its_total()
    {
        // --wait-for-embeddings printed nothing until every vector was in: with a sentence model on CPU, long enough for
        // the run to look hung.
        var store = Stores.Sqlite.SqliteMemoryStore.Open(Path.Combine(cli.Folder, "embed.db"));
        var embedder = new GatedEmbedder();
        using var state = new RetrievalState(store, embedder, new RetrievalStateOptions { InlineEmbedLimit = 0, EmbedBatch = 4 });
        await using var memory = new MemoryOS(store, new HybridRetriever(state));
        var scope = new Scope("bench");
        var cube = await memory.CreateCubeAsync(scope, "conv-a");
        foreach (int i in Enumerable.Range(0, 10))
        {
            await memory.AddAsync(scope, cube.Id, new MemoryDraft($"Turn {i}: the violin lesson moved."));
        }

        await state.PrepareAsync(scope.Tenant, cube.Id); // queues every memory for the held embedder
        Assert.Equal(10, state.PendingEmbeddings);
        var reports = new List<BenchmarkProgress>();

        var wait = Commands.BenchCommand.WaitForEmbeddingsAsync(state, new SynchronousProgress<BenchmarkProgress>(reports.Add), CancellationToken.None);
        embedder.Open.SetResult();
        await wait;

        Assert.Equal(new BenchmarkProgress("embed", 0, 10), reports[0]);
        Assert.Equal(new BenchmarkProgress("embed", 10, 10), reports[^1]);
        Assert.True(reports.Count >= 5, string.Join(", ", reports)); // the start, each batch of 4 as it lands, the end
        Assert.All(reports, r => Assert.Equal(10, r.Total));
        Assert.Null(state.Options.EmbeddingProgress); // the state's own reporter (none) is back
    }

    /// <summary>A model embedder (so vectors come in the background) that holds every batch until <see cref="Open"/> is set.</summary>
    private sealed class GatedEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly HashingEmbedder inner = new(64);
        private readonly EmbeddingGeneratorMetadata metadata = new("test-gated", null, "gated-v1", 64);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            await Open.Task.WaitAsync(cancellationToken);
            return new GeneratedEmbeddings<Embedding<float>>(values.Select(t => new Embedding<float>(inner.Embed(t))));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Cancelling_a_run_exits_130_and_writes_no_partial_result()
    {
        string json = Path.Combine(cli.Folder, "cancelled.json");
        using var stdout = new StringWriter();
        using var cts = new CancellationTokenSource();

        // Cancelled once the run reports its first ingest progress: mid-run, whatever the machine's speed.
        using var stderr = new CancelOnText("ingest", cts);
        int code = await CliApp.RunAsync(["--db", cli.DbPath, "bench", "locomo", Shared("locomo", "locomo10.json"), "--json", json], stdout, stderr, Output.TerminalKind.None, cts.Token);
        Assert.Equal(130, code);
        Assert.False(File.Exists(json));
        Assert.Contains("Cancelled with 0 of 1,986 questions scored; nothing was written.", stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("is stored", stderr.ToString(), StringComparison.Ordinal); // the scratch database is deleted
    }

    [Fact]
    public async Task A_run_cancelled_part_way_through_the_questions_writes_what_it_scored_marked_interrupted()
    {
        // Ctrl-C at question 596 of 1,986 threw every score away (paid reader and judge calls in QA mode), wrote no --json,
        // and said "every batch reported as committed is stored" of a scratch database it then deleted.
        string json = Path.Combine(cli.Folder, "partial.json");
        using var stdout = new StringWriter();
        using var cts = new CancellationTokenSource();
        using var stderr = new CancelOnText("search", cts);

        int code = await CliApp.RunAsync(["--db", cli.DbPath, "bench", "locomo", Shared("locomo", "locomo10.json"), "--conversations", "1", "--retriever", "bm25", "--json", json], stdout, stderr, Output.TerminalKind.None, cts.Token);

        Assert.Equal(130, code);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var manifest = doc.RootElement.GetProperty("manifest");
        Assert.True(manifest.GetProperty("interrupted").GetBoolean());
        int evaluated = manifest.GetProperty("questions_evaluated").GetInt32();
        int selected = manifest.GetProperty("questions_selected").GetInt32();
        Assert.InRange(evaluated, 1, selected - 1);
        Assert.Equal(evaluated, doc.RootElement.GetProperty("questions_total").GetInt32());
        Assert.Contains($"Cancelled with {evaluated} of {selected} questions scored; the partial result (manifest: interrupted) was written to {json}.", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout.ToString()); // no summary of a run that did not finish
    }

    [Fact]
    public async Task A_scratch_folder_whose_run_was_killed_is_swept_by_the_next_run()
    {
        // A run killed outright (SIGKILL) left /tmp/agentmem-bench-<id> with its database, and nothing ever deleted it.
        string killed = Path.Combine(Path.GetTempPath(), "agentmem-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(killed);
        await File.WriteAllBytesAsync(Path.Combine(killed, "bench.db"), new byte[4096]);
        await File.WriteAllBytesAsync(Path.Combine(killed, "owner.lock"), []); // nobody holds it: its run is gone

        // A run alive in another process holds its lock: left alone.
        string alive = Path.Combine(Path.GetTempPath(), "agentmem-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(alive);
        await File.WriteAllBytesAsync(Path.Combine(alive, "bench.db"), new byte[4096]);
        try
        {
            using (var held = new FileStream(Path.Combine(alive, "owner.lock"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                var (code, _, err) = await cli.RunAsync("bench", "locomo", Shared("locomo", "locomo10.json"), "--limit", "1", "--retriever", "bm25");
                Assert.True(code == 0, err);
            }

            Assert.False(Directory.Exists(killed));
            Assert.True(File.Exists(Path.Combine(alive, "bench.db")));
        }
        finally
        {
            Directory.Delete(alive, recursive: true);
            if (Directory.Exists(killed))
            {
                Directory.Delete(killed, recursive: true);
            }
        }
    }

    /// <summary>Standard error that cancels a token the first time a text is written to it.</summary>
    private sealed class CancelOnText(string text, CancellationTokenSource cancel) : StringWriter
    {
        public override void Write(char value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Check();
        }

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            Check();
        }

        private void Check()
        {
            if (!cancel.IsCancellationRequested && ToString().Contains(text, StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        }
    }
}
