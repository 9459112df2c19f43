using System.Net;
using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Qa;
using AgentMem.Benchmarks.Runner;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Microsoft.Extensions.AI;

namespace AgentMem.Benchmarks.Tests.Runner;

public sealed class BenchmarkRunnerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset May = new(2023, 5, 8, 13, 56, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset June = new(2023, 6, 9, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory temp = new();
    private MemoryOS memory = null!;

    public Task InitializeAsync()
    {
        var store = SqliteMemoryStore.Open(Path.Combine(temp.Path, "bench.db"));
        memory = new MemoryOS(store, new Bm25Retriever(store));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await memory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        temp.Dispose();
    }

    /// <summary>Two conversations; questions whose words point at exactly one turn each.</summary>
    private static BenchmarkDataset Toy()
    {
        var a = new BenchConversation("a",
        [
            new BenchSession("D1", May, [new("D1:1", "Ann", "I adopted a greyhound called Comet."), new("D1:2", "Ben", "Lovely, I prefer cats.")]),
            new BenchSession("D2", June, [new("D2:1", "Ann", "Comet won a ribbon at the dog show."), new("D2:2", "Ben", "My sister moved to Oslo.")]),
        ]);
        var b = new BenchConversation("b",
        [
            new BenchSession("D1", May, [new("D1:1", "Cy", "The violin lessons start on Tuesday."), new("D1:2", "Di", "I will bring the sheet music.")]),
        ]);
        BenchQuestion Q(string id, string conv, string text, string answer, string category, params string[] evidence) =>
            new(id, conv, text, answer, category, category == "5", evidence, evidence.Select(e => e.Split(':')[0]).Distinct().ToArray(), null, null);
        return new BenchmarkDataset("locomo", [a, b],
        [
            Q("q1", "a", "What breed is the greyhound Comet?", "greyhound", "4", "D1:1"),
            Q("q2", "a", "Where did Ben's sister move?", "Oslo", "4", "D2:2"),
            Q("q3", "a", "What did Comet win at the show?", "a ribbon", "1", "D2:1", "D1:1"),
            Q("q4", "b", "When do violin lessons start?", "Tuesday", "2", "D1:1"),
            Q("q5", "b", "What is Di's favourite colour?", "not mentioned", "5", "D1:2"),
        ], "toy.json") { Sha256 = new string('0', 64) };
    }

    [Fact]
    public async Task Offline_run_ingests_each_conversation_into_its_own_cube_and_scores_retrieval()
    {
        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Ks = [1, 2, 5] }).RunAsync(Toy());
        var r = run.Result;

        Assert.Equal(5, r.Questions);
        Assert.Equal(4, r.Overall.Scored);
        Assert.Equal(["1", "2", "4"], r.ByCategory.Keys);
        Assert.Equal(1, Assert.Single(r.Excluded).Value.Questions);
        Assert.Equal(1.0, r.ByCategory["2"].Recall[1]); // the violin turn is first: both cubes are kept apart
        Assert.Equal(1.0, r.ByCategory["4"].Recall[1]);
        Assert.Equal(1.0, r.ByCategory["1"].Recall[2]); // both Comet turns in the top 2
        Assert.Null(r.Overall.Qa);
        Assert.Equal(6, r.Latency.IngestCount); // one add per turn
        Assert.Equal(5, r.Latency.SearchCount);
        Assert.True(r.Tokens.FullContextMean > r.Tokens.ContextMean * 0.99);

        var cubes = await memory.ListCubesAsync(new Scope("bench"));
        Assert.Equal(["conv-a", "conv-b"], cubes.Select(c => c.Name));
        Assert.Equal("skipped (no chat endpoint configured)", run.Manifest["qa"]);
        Assert.Equal(new string('0', 64), run.Manifest["dataset_sha256"]);
        Assert.Equal("1=multi-hop, 2=temporal, 3=open-domain, 4=single-hop, 5=adversarial", run.Manifest["category_mapping"]);
        Assert.Equal(false, run.Manifest["adversarial_included_in_headline"]);
        Assert.Equal(false, run.Manifest["interrupted"]);
        Assert.Equal(5, run.Manifest["questions_evaluated"]);
        Assert.Equal(5, run.Manifest["questions_selected"]);
        Assert.Equal(2, run.Manifest["conversations_ingested"]);
    }

    [Fact]
    public async Task Evidence_the_loader_could_not_match_is_in_the_manifest()
    {
        // Unmatched evidence shrank a question's gold set and raised its recall, with no trace in the run's output.
        var toy = Toy() with { Diagnostics = new DatasetDiagnostics(0, 0, 2, ["evidence message 'x' matched no turn"]) };
        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Limit = 1 }).RunAsync(toy);
        Assert.Equal(2, run.Manifest["evidence_unmatched"]);
        Assert.Equal("evidence message 'x' matched no turn", run.Manifest["dataset_notes"]);
    }

    [Fact]
    public async Task Limit_evaluates_the_first_questions_and_ingests_only_their_conversations()
    {
        var progress = new List<BenchmarkProgress>();
        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Limit = 2 }).RunAsync(Toy(), progress: new SynchronousProgress<BenchmarkProgress>(progress.Add));
        Assert.Equal(2, run.Result.Questions);
        Assert.Single(await memory.ListCubesAsync(new Scope("bench")));
        Assert.Equal(new BenchmarkProgress("ingest", 4, 4), progress.Last(p => p.Phase == "ingest"));
        Assert.Equal(new BenchmarkProgress("search", 2, 2), progress[^1]);
    }

    [Fact]
    public async Task A_cancelled_run_hands_over_the_questions_scored_before_it_marked_interrupted()
    {
        // Ctrl-C at question 596 of 1,986 threw every score away, paid reader and judge calls included.
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress<BenchmarkProgress>(p =>
        {
            if (p is { Phase: "search", Done: 2 })
            {
                cts.Cancel();
            }
        });
        var runner = new BenchmarkRunner(memory, new BenchmarkOptions { Ks = [1, 2], BaselineRetriever = "bm25" });

        var ex = await Assert.ThrowsAsync<BenchmarkInterruptedException>(() => runner.RunAsync(Toy(), progress: progress, cancellationToken: cts.Token));

        // Still a cancellation, of the caller's token, for whoever catches one.
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.Equal(cts.Token, ex.CancellationToken);
        var partial = ex.Partial!;
        Assert.Equal(2, partial.Result.Questions);
        Assert.Equal(2, partial.Result.Latency.SearchCount);
        Assert.Equal(2, partial.Baseline!.Questions); // the same questions
        Assert.Equal(1.0, partial.Result.Overall.Recall[1]);
        Assert.Equal(true, partial.Manifest["interrupted"]);
        Assert.Equal(2, partial.Manifest["questions_evaluated"]);
        Assert.Equal(5, partial.Manifest["questions_selected"]);
        Assert.Equal(5, ex.Selected);
        Assert.Contains("2 of 5 questions scored", ex.Message, StringComparison.Ordinal);

        // Cancelled in the ingest: nothing scored, and the manifest says how far the ingest got.
        using var early = new CancellationTokenSource();
        var store = SqliteMemoryStore.Open(Path.Combine(temp.Path, "early.db"));
        await using var os = new MemoryOS(store, new Bm25Retriever(store));
        var ingest = new SynchronousProgress<BenchmarkProgress>(p =>
        {
            if (p is { Phase: "ingest", Done: 1 })
            {
                early.Cancel();
            }
        });
        var none = await Assert.ThrowsAsync<BenchmarkInterruptedException>(() => new BenchmarkRunner(os, new BenchmarkOptions()).RunAsync(Toy(), progress: ingest, cancellationToken: early.Token));
        Assert.Equal(0, none.Partial!.Result.Questions);
        Assert.Equal(0, none.Partial.Manifest["conversations_ingested"]);
    }

    [Theory]
    [InlineData(Granularity.Turn, "a/D1:2; b/D2:1")]
    [InlineData(Granularity.Session, "b/D3 (no turns)")]
    public async Task Blank_turns_and_empty_sessions_are_counted_in_the_manifest_and_progress_reaches_its_total(Granularity granularity, string skipped)
    {
        // A turn with no text (an image without caption) and a session with no turns were dropped without a trace: the
        // blank turn stayed gold for its question, and ingest progress stopped short of its total.
        var toy = Toy();
        var a = toy.Conversations[0];
        var b = toy.Conversations[1];
        var data = toy with
        {
            Conversations =
            [
                a with { Sessions = [a.Sessions[0] with { Turns = [a.Sessions[0].Turns[0], new("D1:2", "Ben", "  ")] }, a.Sessions[1]] },
                b with { Sessions = [.. b.Sessions, new BenchSession("D2", June, [new("D2:1", "Cy", string.Empty)]), new BenchSession("D3", June, [])] },
            ],
        };
        var progress = new List<BenchmarkProgress>();

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Granularity = granularity }).RunAsync(data, progress: new SynchronousProgress<BenchmarkProgress>(progress.Add));

        var last = progress.Last(p => p.Phase == "ingest");
        Assert.Equal(last.Total, last.Done);
        Assert.Equal(skipped.Split("; ").Length, run.Manifest["blank_turns_skipped"]);
        Assert.Equal(skipped, run.Manifest["blank_turns"]);
    }

    [Fact]
    public async Task Session_granularity_stores_one_memory_per_session_and_scores_turns_inside_sessions()
    {
        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Ks = [1, 2], Granularity = Granularity.Session }).RunAsync(Toy());
        Assert.Equal(3, run.Result.Latency.IngestCount);
        Assert.Equal(1.0, run.Result.ByCategory["4"].Recall[2]);
        Assert.Equal(1.0, run.Result.Overall.SessionRecall[2]);
        Assert.Equal("session", run.Manifest["granularity"]);
    }

    [Fact]
    public async Task Qa_mode_answers_from_retrieved_context_scores_f1_and_judge_and_runs_the_full_context_baseline()
    {
        var reader = new ScriptedChat(prompt =>
        {
            // Answer only if the evidence made it into the prompt, like a faithful reader would.
            if (prompt.Contains("Oslo", StringComparison.Ordinal) && prompt.Contains("sister move", StringComparison.Ordinal))
            {
                return "Oslo";
            }

            return prompt.Contains("greyhound Comet", StringComparison.Ordinal) ? "a greyhound" : "Not mentioned.";
        });
        var judge = new ScriptedChat(prompt => prompt.Contains("Generated answer: Oslo", StringComparison.Ordinal) ? "CORRECT" : "WRONG");
        var qa = new QaOptions { Reader = reader, ReaderModel = "scripted-reader", Judge = judge, JudgeModel = "scripted-judge" };

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Limit = 2, ContextK = 1 }, qa: qa).RunAsync(Toy());

        var summary = run.Result.Overall.Qa!;
        Assert.Equal(2, summary.Count);
        Assert.Equal((1.0 + 1.0) / 2, summary.F1!.Value, 6); // "a greyhound" normalises to "greyhound"
        Assert.Equal(0.5, summary.Judge!.Value, 6);
        Assert.NotNull(run.Result.FullContextQa);
        Assert.Equal(4, reader.Prompts.Count); // retrieved context + full-context baseline, per question
        Assert.Contains(reader.Prompts, p => p.Contains("[2023-06-09] Ben: My sister moved to Oslo.", StringComparison.Ordinal));
        Assert.All(reader.Systems, s => Assert.Equal(QaPrompts.ReaderSystem, s));
        Assert.Equal("scripted-judge", run.Manifest["judge_model"]);
        Assert.Equal(QaPrompts.JudgeSystem, run.Manifest["judge_prompt"]);
        Assert.Equal(QaPrompts.ReaderSystem, run.Manifest["reader_prompt"]);
    }

    [Theory]
    [InlineData("refused")]
    [InlineData("timeout")]
    public async Task A_full_context_answer_the_endpoint_cannot_give_is_skipped_and_counted_not_the_end_of_the_run(string failure)
    {
        // A reader whose context window holds the retrieved memories but not the whole conversation: a 400, or a timeout.
        var reader = new ScriptedChat(prompt => prompt.Contains("I adopted a greyhound", StringComparison.Ordinal) && prompt.Contains("My sister moved to Oslo", StringComparison.Ordinal)
            ? throw (failure == "refused" ? new HttpRequestException("400 (Bad Request): the prompt is longer than the model's context") : new TaskCanceledException("timed out", new TimeoutException()))
            : "Oslo");
        var qa = new QaOptions { Reader = reader, ReaderModel = "scripted-reader" };

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Limit = 2, ContextK = 1 }, qa: qa).RunAsync(Toy());

        // Every answer from the retrieved memories is kept; the baseline has none to report, and says how many it skipped.
        Assert.Equal(2, run.Result.Overall.Qa!.Count);
        Assert.Null(run.Result.FullContextQa);
        Assert.Equal(2, run.Result.FullContextQaSkipped);
    }

    [Theory]
    [InlineData("reader")]
    [InlineData("judge")]
    public async Task A_question_the_endpoint_cannot_answer_is_skipped_and_counted_and_the_run_goes_on(string failing)
    {
        // The reader's or the judge's third call gives up after its retries: the exception left RunAsync, and the two
        // questions already answered, the retrieval metrics and the whole ingest were lost.
        int calls = 0;
        var flaky = new ScriptedChat(_ => ++calls == 3 ? throw new HttpRequestException("502 Bad Gateway (after retries)") : failing == "reader" ? "Oslo" : "CORRECT");
        var steady = new ScriptedChat(_ => failing == "reader" ? "CORRECT" : "Oslo");
        var qa = failing == "reader"
            ? new QaOptions { Reader = flaky, ReaderModel = "scripted-reader", Judge = steady, JudgeModel = "scripted-judge", FullContextBaseline = false }
            : new QaOptions { Reader = steady, ReaderModel = "scripted-reader", Judge = flaky, JudgeModel = "scripted-judge", FullContextBaseline = false };

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Limit = 4, ContextK = 1 }, qa: qa).RunAsync(Toy());

        // Every question is scored for retrieval; the one without an answer is left out of the QA means, and counted.
        Assert.Equal(4, run.Result.Questions);
        Assert.Equal(4, run.Result.Latency.SearchCount);
        Assert.Equal(3, run.Result.Overall.Qa!.Count);
        Assert.Equal(1, run.Result.QaSkipped);
    }

    [Fact]
    public async Task An_answer_that_is_not_a_chat_completion_is_skipped_and_counted_like_other_endpoint_failures()
    {
        // A web UI's page answered 200 to the second question (as the chat client reports it): the run ended there, with
        // the first answer, the retrieval metrics and the ingest lost.
        int calls = 0;
        var reader = new ScriptedChat(_ => ++calls == 2
            ? throw new HttpRequestException("The chat endpoint http://127.0.0.1:1/v1/chat/completions answered 200 with a body that is not a chat completion: <html>", null, HttpStatusCode.OK)
            : "Oslo");
        var qa = new QaOptions { Reader = reader, ReaderModel = "scripted-reader", FullContextBaseline = false };

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Limit = 4, ContextK = 1 }, qa: qa).RunAsync(Toy());

        Assert.Equal(4, run.Result.Questions);
        Assert.Equal(3, run.Result.Overall.Qa!.Count);
        Assert.Equal(1, run.Result.QaSkipped);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task A_refusal_every_question_would_meet_ends_the_run_at_once(HttpStatusCode status)
    {
        // A wrong key, model or URL: skipping each question would make one failed call per question and report a run
        // with no answers at all.
        int calls = 0;
        var reader = new ScriptedChat(_ => { calls++; throw new HttpRequestException($"{(int)status} (no retry)", null, status); });
        var qa = new QaOptions { Reader = reader, ReaderModel = "scripted-reader", FullContextBaseline = false };

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => new BenchmarkRunner(memory, new BenchmarkOptions { Limit = 4, ContextK = 1 }, qa: qa).RunAsync(Toy()));

        Assert.Equal(status, thrown.StatusCode);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Without_the_full_context_baseline_the_reader_answers_only_from_the_retrieved_memories()
    {
        var reader = new ScriptedChat(_ => "Oslo");
        var qa = new QaOptions { Reader = reader, ReaderModel = "scripted-reader", FullContextBaseline = false };

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Limit = 2, ContextK = 1 }, qa: qa).RunAsync(Toy());

        Assert.Equal(2, reader.Prompts.Count);
        Assert.Null(run.Result.FullContextQa);
        Assert.Equal(0, run.Result.FullContextQaSkipped);
    }

    [Theory]
    [InlineData("CORRECT", 1.0)]
    [InlineData("correct.", 1.0)]
    [InlineData("WRONG", 0.0)]
    [InlineData("INCORRECT", 0.0)]
    [InlineData("I think it is correct but also wrong", 0.0)]
    [InlineData("NOT CORRECT.", 0.0)]
    [InlineData("Not correct", 0.0)]
    [InlineData("The answer isn't correct", 0.0)]
    [InlineData("Grade: CORRECT", 1.0)]
    [InlineData("Incorrectly dated", null)] // not read as CORRECT, and no verdict word either
    [InlineData("", null)]
    [InlineData("Yes", null)]
    [InlineData("The generated answer is", null)]
    public void Judge_verdicts_are_parsed_strictly(string reply, double? expected) =>
        Assert.Equal(expected, QaPrompts.ParseVerdict(reply));

    [Fact]
    public async Task A_judge_reply_without_a_verdict_is_counted_and_left_out_of_the_judge_mean()
    {
        // A reasoning model spends its few output tokens thinking and replies nothing: that read as WRONG, and a right
        // answer ("greyhound", the gold) pulled the judge mean down to 0 with no trace.
        var reader = new ScriptedChat(_ => "greyhound");
        var judge = new ScriptedChat(_ => string.Empty);
        var qa = new QaOptions { Reader = reader, ReaderModel = "scripted-reader", Judge = judge, JudgeModel = "scripted-judge", FullContextBaseline = false };

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Limit = 1, ContextK = 1 }, qa: qa).RunAsync(Toy());

        var summary = run.Result.Overall.Qa!;
        Assert.Equal(1.0, summary.F1);
        Assert.Null(summary.Judge);
        Assert.Equal(1, summary.JudgeUnparsed);
        Assert.Equal(qa.MaxJudgeTokens, run.Manifest["judge_max_output_tokens"]);
    }

    [Fact]
    public async Task An_adversarial_question_is_right_when_the_reader_declines_and_counts_in_the_excluded_group()
    {
        var reader = new ScriptedChat(prompt => prompt.Contains("favourite colour", StringComparison.Ordinal) ? "Not mentioned." : "Tuesday");
        var qa = new QaOptions { Reader = reader, ReaderModel = "scripted-reader" };

        // As in locomo10.json, the adversarial question has no gold answer (only an adversarial one): it used to go unscored.
        var toy = Toy();
        var data = toy with { Questions = [.. toy.Questions.Select(q => q.Id == "q5" ? q with { Answer = null } : q)] };

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { ContextK = 1 }, qa: qa).RunAsync(data);

        // q5 is category 5: declining is the right answer (LoCoMo's rule).
        var adversarial = run.Result.Excluded["5"].Qa!;
        Assert.Equal(1, adversarial.Count);
        Assert.Equal(1.0, adversarial.F1!.Value, 6);
    }

    [Fact]
    public async Task Counting_the_conversations_tokens_is_not_ingest_time()
    {
        // A clock that a whole conversation's token count moves on by a minute (a long haystack on a slow tokenizer).
        var clock = new SteppedClock();
        var counter = new StepClockTokenCounter(clock, TimeSpan.FromMinutes(1));
        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Ks = [1] }, counter) { Clock = clock }.RunAsync(Toy());

        // Six turns were added in real milliseconds; the two conversations' counts took two clock minutes, not ingest's.
        Assert.Equal(2, counter.WholeCounts);
        Assert.True(run.Result.Latency.IngestItemsPerSecond > 6 / 60.0, $"{run.Result.Latency.IngestItemsPerSecond} items/s");
    }

    [Fact]
    public async Task A_turns_session_is_the_session_the_dataset_put_it_in_whatever_its_id_says()
    {
        // A LoCoMo-schema file whose dia_ids are not "D<N>:<i>" (a converted set, "S2-1"): the ranked sessions were read
        // from the text of the ids ("S2-1", no colon: the whole id) and the gold ones were the loader's (D2), so every hit
        // was a miss and session recall read 0 at every k.
        var c = new BenchConversation("c",
        [
            new BenchSession("D1", May, [new("S1-1", "Ann", "I adopted a greyhound called Comet."), new("S1-2", "Ben", "Lovely, I prefer cats.")]),
            new BenchSession("D2", June, [new("S2-1", "Ben", "My sister moved to Oslo."), new("S2-2", "Ann", "Comet won a ribbon.")]),
        ]);
        var dataset = new BenchmarkDataset("locomo", [c], [new("q", "c", "Where did Ben's sister move?", "Oslo", "4", false, ["S2-1"], ["D2"], null, null)], "converted.json") { Sha256 = new string('0', 64) };

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Ks = [1, 2], ContextK = 1 }).RunAsync(dataset);

        Assert.Equal(1.0, run.Result.Overall.Recall[1]);
        Assert.Equal(1.0, run.Result.Overall.SessionRecall[1]);
        Assert.Equal(1.0, run.Result.Overall.SessionRecallAll[1]);
        Assert.Equal(1, run.Result.Overall.SessionScored);
    }

    [Fact]
    public async Task Turn_granularity_session_metrics_search_on_until_the_ranking_holds_k_distinct_sessions()
    {
        // Three hits (the largest k) were all turns of D1: the gold session D3, third among the sessions, was never seen,
        // and session recall_any@3 read 0 where LongMemEval's turn2session (first 3 distinct sessions) gives 1.
        var c = new BenchConversation("c",
        [
            new BenchSession("D1", May, [new("D1:1", "Ann", "violin violin violin"), new("D1:2", "Ann", "violin violin"), new("D1:3", "Ann", "violin practice violin")]),
            new BenchSession("D2", May, [new("D2:1", "Ben", "violin and piano")]),
            new BenchSession("D3", June, [new("D3:1", "Ben", "I sold the old violin at the market yesterday afternoon")]),
            new BenchSession("D4", June, [new("D4:1", "Ann", "Nothing to see here.")]),
        ]);
        var dataset = new BenchmarkDataset("longmemeval", [c], [new("q", "c", "violin?", "sold", "4", false, ["D3:1"], ["D3"], null, null)], "toy.json") { Sha256 = new string('0', 64) };

        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Ks = [1, 3], ContextK = 1 }).RunAsync(dataset);

        Assert.Equal(0.0, run.Result.Overall.Recall[3]); // the first 3 turns are D1's
        Assert.Equal(1.0, run.Result.Overall.SessionRecallAny[3]);
        Assert.Equal(0, run.Manifest["session_rankings_short"]);
    }

    [Fact]
    public async Task Each_retriever_counts_its_own_rankings_too_short_to_hold_the_largest_k_sessions()
    {
        // Twelve turns of one session: no ranking, however deep, holds 3 sessions. Both retrievers called the same counter,
        // so one question read as two short rankings, and nothing said whose session metrics they were.
        var c = new BenchConversation("c", [new BenchSession("D1", May, [.. Enumerable.Range(1, 12).Select(i => new BenchTurn($"D1:{i}", "Ann", $"violin lesson number {i}"))])]);
        var dataset = new BenchmarkDataset("longmemeval", [c], [new("q", "c", "violin lesson?", "yes", "4", false, ["D1:1"], ["D1"], null, null)], "toy.json") { Sha256 = new string('0', 64) };
        var store = SqliteMemoryStore.Open(Path.Combine(temp.Path, "short.db"));
        await using var os = new MemoryOS(store, [new Bm25Retriever(store), new HybridRetriever(store)], new MemoryOSOptions { MaxSearchK = 10 });

        var run = await new BenchmarkRunner(os, new BenchmarkOptions { Ks = [1, 3], ContextK = 1, Retriever = "bm25", BaselineRetriever = "hybrid" }).RunAsync(dataset);

        Assert.Equal(1, run.Manifest["session_rankings_short"]);
        Assert.Equal(1, run.Manifest["baseline_session_rankings_short"]);
    }

    [Fact]
    public async Task Each_cubes_index_is_built_before_its_questions_and_timed_apart_from_the_searches()
    {
        // A retriever that builds a cube's index on the cube's first search, as the hybrid does, at a minute on this clock.
        // With one question per cube (LongMemEval), every "search" timed was that build.
        var clock = new SteppedClock();
        var store = SqliteMemoryStore.Open(Path.Combine(temp.Path, "cold.db"));
        var cold = new ColdIndexRetriever(new Bm25Retriever(store), clock, TimeSpan.FromMinutes(1));
        await using var os = new MemoryOS(store, cold);

        var run = await new BenchmarkRunner(os, new BenchmarkOptions { Ks = [1] }) { Clock = clock, PrepareCube = cold.PrepareAsync }.RunAsync(Toy());

        var latency = run.Result.Latency;
        Assert.Equal(2, cold.Builds); // one per cube, none again at search time
        Assert.Equal(5, latency.SearchCount);
        Assert.True(latency.SearchP99 < 60_000, $"search p99 {latency.SearchP99} ms holds the index build");
        Assert.Equal(2, latency.PrepareCount);
        Assert.True(latency.PrepareP50 >= 60_000, $"prepare p50 {latency.PrepareP50} ms");
        Assert.Contains("built before", (string)run.Manifest["search_latency"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preparing_the_cubes_reports_progress_before_the_first_question()
    {
        // After "ingest 100%" nothing was reported until every cube was prepared (and, with a model embedder, embedded),
        // which on LongMemEval can take long enough for the run to look hung.
        var progress = new List<BenchmarkProgress>();
        var runner = new BenchmarkRunner(memory, new BenchmarkOptions { Ks = [1] }) { PrepareCube = (_, _, _) => Task.CompletedTask };

        await runner.RunAsync(Toy(), progress: new SynchronousProgress<BenchmarkProgress>(progress.Add));

        Assert.Equal([new("prepare", 1, 2), new("prepare", 2, 2)], progress.Where(p => p.Phase == "prepare"));
        Assert.True(progress.IndexOf(new("prepare", 2, 2)) < progress.FindIndex(p => p.Phase == "search"));
        Assert.True(progress.FindLastIndex(p => p.Phase == "ingest") < progress.IndexOf(new("prepare", 1, 2)));
    }

    [Fact]
    public async Task Without_a_prepare_step_the_manifest_says_a_cubes_first_search_builds_its_index()
    {
        var run = await new BenchmarkRunner(memory, new BenchmarkOptions { Ks = [1], Limit = 1 }).RunAsync(Toy());
        Assert.Equal(0, run.Result.Latency.PrepareCount);
        Assert.Contains("first search", (string)run.Manifest["search_latency"]!, StringComparison.Ordinal);
    }

    /// <summary>Builds a cube's "index" (moves the clock on) on its first search, or earlier when prepared.</summary>
    private sealed class ColdIndexRetriever(MemoryCore.Ports.IRetriever inner, SteppedClock clock, TimeSpan build) : MemoryCore.Ports.IRetriever
    {
        private readonly HashSet<string> built = new(StringComparer.Ordinal);

        public int Builds { get; private set; }

        public string Name => inner.Name;

        public Task PrepareAsync(string tenant, string cubeId, CancellationToken cancellationToken)
        {
            Build(cubeId);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<MemoryCore.Search.SearchHit>> SearchAsync(MemoryCore.Search.SearchRequest request, CancellationToken cancellationToken = default)
        {
            Build(request.Filter.CubeId!);
            return inner.SearchAsync(request, cancellationToken);
        }

        private void Build(string cubeId)
        {
            if (built.Add(cubeId))
            {
                Builds++;
                clock.Add(build);
            }
        }
    }

    /// <summary>The system clock plus whatever was added to it.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long added;

        public void Add(TimeSpan span) => added += (long)(span.TotalSeconds * TimestampFrequency);

        public override long GetTimestamp() => System.GetTimestamp() + added;
    }

    /// <summary>Counts words; its first two counts (the two conversations', made during ingest) move the clock on.</summary>
    private sealed class StepClockTokenCounter(SteppedClock clock, TimeSpan step) : MemoryCore.Ports.ITokenCounter
    {
        public int WholeCounts { get; private set; }

        public string Name => "stepped";

        public bool IsExact => false;

        public int CountTokens(string text)
        {
            if (WholeCounts < 2)
            {
                WholeCounts++;
                clock.Add(step);
            }

            return text.Split(' ').Length;
        }
    }

    [Fact]
    public async Task Questions_about_a_missing_conversation_fail_clearly()
    {
        var toy = Toy();
        var broken = toy with { Conversations = [toy.Conversations[0]] };
        var ex = await Assert.ThrowsAsync<DatasetFormatException>(() => new BenchmarkRunner(memory, new BenchmarkOptions()).RunAsync(broken));
        Assert.Contains("'b'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new BenchmarkOptions { Ks = [] }.Validate());
        Assert.Throws<ArgumentException>(() => new BenchmarkOptions { Ks = [0, 5] }.Validate());
        Assert.Throws<ArgumentException>(() => new BenchmarkOptions { Limit = 0 }.Validate());

        // Fewer hits than the largest cut-off reported R@20 and MRR@20 computed on 5 hits.
        Assert.Throws<ArgumentException>(() => new BenchmarkOptions { Ks = [1, 5, 10, 20], SearchK = 5 }.Validate());
        Assert.Throws<ArgumentException>(() => new BenchmarkOptions { Ks = [1, 5], ContextK = 10, SearchK = 5 }.Validate());
        new BenchmarkOptions { Ks = [1, 5, 10, 20], SearchK = 20 }.Validate();
    }

    [Fact]
    public async Task A_conversation_position_past_the_end_is_refused()
    {
        // It selected nothing, and a run of 0 questions (or of the positions that existed) was reported as done.
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => new BenchmarkRunner(memory, new BenchmarkOptions { ConversationPositions = new HashSet<int> { 1, 99 } }).RunAsync(Toy()));
        Assert.Contains("Conversation 99", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await memory.ListCubesAsync(new Scope("bench")));
    }

    [Fact]
    public async Task An_empty_conversation_selection_or_a_position_below_1_is_refused_before_any_cube_is_made()
    {
        // An empty set (--conversations ",") ran no question and reported the run as done; position 0 was ignored.
        foreach (var positions in new[] { new HashSet<int>(), new HashSet<int> { 0, 1 } })
        {
            var ex = await Assert.ThrowsAsync<ArgumentException>(() => new BenchmarkRunner(memory, new BenchmarkOptions { ConversationPositions = positions }).RunAsync(Toy()));
            Assert.Contains("ConversationPositions", ex.Message, StringComparison.Ordinal);
            Assert.Empty(await memory.ListCubesAsync(new Scope("bench")));
        }
    }

    [Fact]
    public async Task A_selection_or_a_dataset_without_questions_is_refused_naming_it_before_any_cube_is_made()
    {
        // Conversation 2 has no questions here: the run ingested nothing, scored nothing and reported 0 questions as done.
        var toy = Toy();
        var onlyA = toy with { Questions = [.. toy.Questions.Where(q => q.ConversationId == "a")] };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => new BenchmarkRunner(memory, new BenchmarkOptions { ConversationPositions = new HashSet<int> { 2 } }).RunAsync(onlyA));
        Assert.Contains("Conversation 2 of toy.json holds no questions", ex.Message, StringComparison.Ordinal);

        var none = toy with { Questions = [] };
        ex = await Assert.ThrowsAsync<ArgumentException>(() => new BenchmarkRunner(memory, new BenchmarkOptions()).RunAsync(none));
        Assert.Contains("toy.json holds no questions", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await memory.ListCubesAsync(new Scope("bench")));
    }

    [Fact]
    public async Task More_hits_per_search_than_the_memory_returns_are_refused_before_the_ingest()
    {
        // The first search failed (MemoryOSOptions.MaxSearchK, 1000) only after every conversation was ingested.
        foreach (var options in new[] { new BenchmarkOptions { ContextK = 2000 }, new BenchmarkOptions { SearchK = 2000 } })
        {
            var ex = await Assert.ThrowsAsync<ArgumentException>(() => new BenchmarkRunner(memory, options).RunAsync(Toy()));
            Assert.Contains("2000", ex.Message, StringComparison.Ordinal);
            Assert.Contains("1000", ex.Message, StringComparison.Ordinal);
            Assert.Empty(await memory.ListCubesAsync(new Scope("bench")));
        }
    }

    [Fact]
    public async Task A_repeated_answer_session_found_once_is_full_recall()
    {
        // LongMemEval repeats answer session s1 in one haystack: its copy s1~2 has the same turns, whose content hash the
        // hybrid collapses to one hit, so perfect retrieval scored recall 0.5 against gold s1:0 and s1~2:0.
        // Asked in the evidence's words ("How far did I run?" shares none with "I ran 5K."), so retrieval is perfect.
        string file = Datasets.LongMemEvalLoaderTests.RepeatedAnswerSessionFile().Replace("How far did I run?", "Who ran 5K?", StringComparison.Ordinal);
        var dataset = LongMemEvalLoader.Load(temp.Write("lme.json", file));
        var store = SqliteMemoryStore.Open(Path.Combine(temp.Path, "hybrid.db"));
        await using var hybrid = new MemoryOS(store, new HybridRetriever(store, new HybridOptions { CollapseDuplicates = true }));

        var run = await new BenchmarkRunner(hybrid, new BenchmarkOptions { Ks = [1, 5] }).RunAsync(dataset);

        Assert.Equal(1.0, run.Result.Overall.Recall[5]);
        Assert.Equal(1.0, run.Result.Overall.SessionRecall[5]);
        Assert.Equal(1.0, run.Result.Overall.SessionRecallAll[5]);
    }

    [Fact]
    public async Task Reranker_features_label_a_repeated_answer_session_as_the_evidence_it_repeats()
    {
        // Gold s1:0 and its copy s1~2:0 are one piece of evidence (bench scores them so); train.py divided by two gold turns
        // when the hybrid, collapsing identical texts, returned one, and printed recall 0.5 where bench printed 1.0.
        string file = Datasets.LongMemEvalLoaderTests.RepeatedAnswerSessionFile().Replace("How far did I run?", "Who ran 5K?", StringComparison.Ordinal);
        var dataset = LongMemEvalLoader.Load(temp.Write("lme.json", file));
        var store = SqliteMemoryStore.Open(Path.Combine(temp.Path, "copies.db"));
        await using var hybrid = new MemoryOS(store, new HybridRetriever(store, new HybridOptions { CollapseDuplicates = true, ReportRerankFeatures = true }));
        string features = Path.Combine(temp.Path, "copies.jsonl");

        await RerankFeatureWriter.WriteFileAsync(features, dataset, (dump, ct) => new BenchmarkRunner(hybrid, new BenchmarkOptions { Ks = [1, 5] }) { AfterSearch = dump.WriteAsync }.RunAsync(dataset, cancellationToken: ct));

        using var line = System.Text.Json.JsonDocument.Parse(Assert.Single(File.ReadAllLines(features)));
        Assert.Equal(["s1:0"], line.RootElement.GetProperty("gold").EnumerateArray().Select(g => g.GetString()));
        var turns = line.RootElement.GetProperty("candidates").EnumerateArray().SelectMany(c => c.GetProperty("turns").EnumerateArray().Select(t => t.GetString())).ToList();
        Assert.Contains("s1:0", turns);
        Assert.DoesNotContain(turns, t => t!.StartsWith("s1~2:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_reranker_feature_line_says_whether_its_question_is_adversarial()
    {
        // train.py told adversarial questions by LoCoMo's category 5 and so dropped every question of the datasets whose
        // categories are names (longmemeval, convomem, longchat), then failed on an empty training set.
        var store = SqliteMemoryStore.Open(Path.Combine(temp.Path, "features.db"));
        await using var hybrid = new MemoryOS(store, new HybridRetriever(store, new HybridOptions { ReportRerankFeatures = true }));
        string file = Path.Combine(temp.Path, "features.jsonl");
        var toy = Toy();

        await RerankFeatureWriter.WriteFileAsync(file, toy, (dump, ct) => new BenchmarkRunner(hybrid, new BenchmarkOptions()) { AfterSearch = dump.WriteAsync }.RunAsync(toy, cancellationToken: ct));

        var flags = File.ReadAllLines(file).Select(line =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            return $"{doc.RootElement.GetProperty("question").GetString()} {doc.RootElement.GetProperty("adversarial").GetBoolean()}";
        });
        Assert.Equal(["q1 False", "q2 False", "q3 False", "q4 False", "q5 True"], flags);
    }

    /// <summary>A test double of a chat model: replies with a function of the user prompt, and records prompts.</summary>
    private sealed class ScriptedChat(Func<string, string> reply) : IChatClient
    {
        public List<string> Prompts { get; } = [];

        public List<string> Systems { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = messages.ToList();
            Systems.Add(list.First(m => m.Role == ChatRole.System).Text);
            string user = list.Last(m => m.Role == ChatRole.User).Text;
            Prompts.Add(user);
            Assert.Equal(0f, options?.Temperature);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply(user))));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
