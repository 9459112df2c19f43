using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Metrics;

namespace AgentMem.Benchmarks.Tests.Metrics;

public class EvaluationAccumulatorTests
{
    private const double Tolerance = 1e-9;

    private static EvaluationAccumulator Sample(bool excludeAdversarial = true) => SampleRun.Create(excludeAdversarial);

    [Fact]
    public void Overall_metrics_cover_non_adversarial_questions_with_evidence()
    {
        BenchmarkResult result = Sample().Build();
        MetricGroup overall = result.Overall;

        Assert.Equal("toy", result.Dataset);
        Assert.Equal(4, result.Questions);
        Assert.Equal([1, 3], result.Ks);
        Assert.Equal(3, overall.Questions);
        Assert.Equal(2, overall.Scored);
        Assert.Equal(1, result.NoEvidence);
        Assert.Equal(0.25, overall.Recall[1]!.Value, Tolerance);    // (1/2 + 0) / 2
        Assert.Equal(1.0, overall.Recall[3]!.Value, Tolerance);
        Assert.Equal(0.5, overall.AnyHitRecall[1]!.Value, Tolerance);
        Assert.Equal(0.5, overall.SessionRecall[1]!.Value, Tolerance);
        Assert.Equal(1.0, overall.SessionRecall[3]!.Value, Tolerance);
        Assert.Equal(overall.SessionRecall[1], overall.SessionRecallAny[1]); // one gold session per question: any = all = mean
        Assert.Equal(overall.SessionRecall[1], overall.SessionRecallAll[1]);
        Assert.Equal(1.0, overall.SessionRecallAll[3]!.Value, Tolerance);
        // q1: (1 + 1/log2 4) / (1 + 1/log2 3) = 0.919721; q2: 1/log2 3 = 0.630930.
        Assert.Equal(0.775325271, overall.Ndcg[3]!.Value, 9);
        Assert.Equal(0.5, overall.Ndcg[1]!.Value, Tolerance);
        Assert.Equal(0.75, overall.Mrr!.Value, Tolerance);          // (1 + 1/2) / 2
    }

    [Fact]
    public void Categories_and_excluded_adversarial_questions_are_reported_apart()
    {
        BenchmarkResult result = Sample().Build();

        Assert.Equal(["1", "2"], result.ByCategory.Keys);
        Assert.Equal(1, result.ByCategory["1"].Questions);
        Assert.Equal(0.5, result.ByCategory["1"].Recall[1]!.Value, Tolerance);
        Assert.Equal(2, result.ByCategory["2"].Questions);
        Assert.Equal(1, result.ByCategory["2"].Scored);
        Assert.Equal(0.0, result.ByCategory["2"].Recall[1]!.Value, Tolerance);

        MetricGroup adversarial = Assert.Single(result.Excluded).Value;
        Assert.Equal("5", result.Excluded.Keys.Single());
        Assert.Equal(1.0, adversarial.Recall[1]!.Value, Tolerance);
        Assert.Equal(0.0, adversarial.Qa!.F1!.Value, Tolerance);
    }

    [Fact]
    public void Qa_means_use_only_questions_with_that_score()
    {
        QaSummary qa = Sample().Build().Overall.Qa!;

        Assert.Equal(2, qa.Count);
        Assert.Equal(0.75, qa.F1!.Value, Tolerance);
        Assert.Equal(0.8, qa.Bleu1!.Value, Tolerance);
        Assert.Null(qa.Judge);
        Assert.Equal(1, Sample().Build().ByCategory["2"].Qa!.Count);
    }

    [Fact]
    public void Latency_tokens_and_throughput()
    {
        EvaluationAccumulator acc = Sample();
        BenchmarkResult result = acc.Build();

        Assert.Equal(25, result.Latency.SearchP50!.Value, Tolerance);
        Assert.Equal(38.5, result.Latency.SearchP95!.Value, Tolerance);
        Assert.Equal(39.7, result.Latency.SearchP99!.Value, Tolerance);
        Assert.Equal(10, result.Latency.IngestP50!.Value, Tolerance);
        Assert.Equal(3, result.Latency.IngestCount);
        Assert.Equal(5 / 0.03, result.Latency.IngestItemsPerSecond!.Value, 6);  // 5 items in 30 ms of latency
        Assert.Equal(250, result.Tokens.ContextMean!.Value, Tolerance);
        Assert.Equal(1000, result.Tokens.FullContextMean!.Value, Tolerance);

        acc.SetIngestWallTime(TimeSpan.FromSeconds(2));
        Assert.Equal(2.5, acc.Build().Latency.IngestItemsPerSecond!.Value, Tolerance);
    }

    [Fact]
    public void Adversarial_questions_can_be_included_in_the_headline()
    {
        BenchmarkResult result = Sample(excludeAdversarial: false).Build();

        Assert.Empty(result.Excluded);
        Assert.Equal(4, result.Overall.Questions);
        Assert.Equal(3, result.Overall.Scored);
        Assert.Equal(0.5, result.Overall.Recall[1]!.Value, Tolerance);  // (1/2 + 0 + 1) / 3
        Assert.Equal(["1", "2", "5"], result.ByCategory.Keys);
    }

    [Fact]
    public void Empty_run_has_null_means()
    {
        BenchmarkResult result = new EvaluationAccumulator("none").Build();

        Assert.Equal([1, 5, 10, 20], result.Ks);
        Assert.Equal(0, result.Questions);
        Assert.Null(result.Overall.Recall[5]);
        Assert.Null(result.Overall.Mrr);
        Assert.Null(result.Overall.Qa);
        Assert.Null(result.Latency.SearchP50);
        Assert.Null(result.Latency.IngestItemsPerSecond);
        Assert.Null(result.Tokens.ContextMean);
    }

    [Fact]
    public void Categories_sort_numerically_then_by_name()
    {
        var acc = new EvaluationAccumulator("order");
        foreach (string category in new[] { "temporal", "10", "2", "abstention", "02" })
        {
            acc.Add(new QuestionResult(category, category, false, [], ["x:1"], ["x"], 1, 1, 1));
        }

        Assert.Equal(["02", "2", "10", "abstention", "temporal"], acc.Build().ByCategory.Keys); // "02" and "2": two groups, equal as numbers
    }

    [Fact]
    public void Grouped_results_without_their_sessions_rank_one_session_per_item()
    {
        // A three-turn item took three ranks: the item after it, the gold one, came fourth (MRR 0.25, NDCG@2 0).
        var acc = new EvaluationAccumulator("g", [1, 2]);
        acc.Add(new QuestionResult("q", "c", false, ["D1:1", "D1:2", "D1:3", "D2:1"], ["D2:1"], ["D2"], 1, 1, 1)
        {
            RankedTurnGroups = [["D1:1", "D1:2", "D1:3"], ["D2:1"]],
        });

        var overall = acc.Build().Overall;
        Assert.Equal(0.5, overall.Mrr!.Value, Tolerance);
        Assert.Equal(1.0 / Math.Log2(3), overall.Ndcg[2]!.Value, Tolerance);
    }

    [Fact]
    public void Explicit_ranked_sessions_override_the_turn_mapping()
    {
        var acc = new EvaluationAccumulator("s", [1]);
        acc.Add(new QuestionResult("q", "c", false, ["m1"], ["t9"], ["S2"], 1, 1, 1) { RankedSessionIds = ["S2"] });

        MetricGroup overall = acc.Build().Overall;

        Assert.Equal(1.0, overall.SessionRecall[1]!.Value, Tolerance);
        Assert.Equal(0.0, overall.Recall[1]!.Value, Tolerance);
    }

    [Fact]
    public void Session_ranking_without_gold_sessions_is_scored_against_the_sessions_of_the_gold_turns()
    {
        var acc = new EvaluationAccumulator("s", [1, 2]);
        acc.Add(new QuestionResult("q", "c", false, ["D1:1", "D2:1"], ["D2:4"], [], 1, 1, 1)
        {
            RankedSessionIds = ["D1", "D2"],
            RankedTurnGroups = [["D1:1", "D1:2"], ["D2:1", "D2:4"]],
        });

        MetricGroup overall = acc.Build().Overall;

        Assert.Equal(0.5, overall.Mrr!.Value, Tolerance); // D2 holds the gold turn, second: not 0
        Assert.Equal(1.0, overall.Recall[2]!.Value, Tolerance);
        Assert.Equal(1.0 / Math.Log2(3), overall.Ndcg[2]!.Value, Tolerance);
    }

    [Fact]
    public void For_question_copies_gold_evidence_and_parallel_adds_are_safe()
    {
        var question = new BenchQuestion("q", "c", "?", "a", "4", false, ["D1:1"], ["D1"], null, null);
        var acc = new EvaluationAccumulator("p", [1]);

        Parallel.For(0, 500, _ => acc.Add(QuestionResult.ForQuestion(question, ["D1:1"], 2, 10, 20)));

        Assert.Equal(500, acc.Count);
        Assert.Equal(1.0, acc.Build().Overall.Recall[1]!.Value, Tolerance);
    }

    [Fact]
    public void Session_metrics_of_a_turn_ranking_take_the_first_k_distinct_sessions_as_LongMemEval_does()
    {
        // LongMemEval's evaluate_retrieval_turn2session counts k distinct sessions: three turns of s1, then s2's, hold s1
        // and s2 in the first 3 sessions. Counting the first 3 turns (s1 three times) scored recall_any@3 = 0.
        var acc = new EvaluationAccumulator("lme", [1, 3]);
        acc.Add(new QuestionResult("q", "c", false, ["s1:0", "s1:1", "s1:2", "s2:0"], ["s2:0"], ["s2"], 1, 1, 1));

        MetricGroup overall = acc.Build().Overall;

        Assert.Equal(0.0, overall.SessionRecallAny[1]!.Value, Tolerance);
        Assert.Equal(1.0, overall.SessionRecallAny[3]!.Value, Tolerance);
        Assert.Equal(1.0, overall.SessionRecallAll[3]!.Value, Tolerance);
        Assert.Equal(1.0, overall.SessionRecall[3]!.Value, Tolerance);
        Assert.Equal(0.0, overall.Recall[3]!.Value, Tolerance); // turn recall still counts the first 3 turns
    }

    [Fact]
    public void Rejects_cut_offs_below_one()
    {
        Assert.Throws<ArgumentException>(() => new EvaluationAccumulator("x", [0, 5]));
    }
}
