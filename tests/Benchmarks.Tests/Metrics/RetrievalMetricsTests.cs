using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Metrics;

namespace AgentMem.Benchmarks.Tests.Metrics;

public class RetrievalMetricsTests
{
    private static HashSet<string> Set(params string[] ids) => [.. ids];

    [Theory]
    [InlineData(1, 0.25)]
    [InlineData(3, 0.5)]
    [InlineData(5, 0.75)]
    [InlineData(50, 0.75)]
    public void Recall_is_the_fraction_of_gold_in_the_top_k(int k, double expected)
    {
        string[] ranked = ["a", "x", "b", "y", "c"];

        Assert.Equal(expected, RetrievalMetrics.Recall(ranked, Set("a", "b", "c", "d"), k), 12);
    }

    [Fact]
    public void Recall_counts_a_repeated_gold_turn_once()
    {
        Assert.Equal(0.5, RetrievalMetrics.Recall(["a", "a", "b"], Set("a", "b"), 2), 12);
    }

    [Fact]
    public void Any_hit_is_one_once_any_gold_appears()
    {
        string[] ranked = ["x", "y", "a"];

        Assert.Equal(0, RetrievalMetrics.AnyHit(ranked, Set("a", "b"), 2));
        Assert.Equal(1, RetrievalMetrics.AnyHit(ranked, Set("a", "b"), 3));
        Assert.Equal(0, RetrievalMetrics.AnyHit([], Set("a"), 3));
    }

    [Fact]
    public void Session_recall_maps_turns_to_sessions()
    {
        string[] ranked = ["D1:1", "D2:3", "D1:4", "D3:9"];
        HashSet<string> gold = Set("D1", "D3");

        Assert.Equal(0.5, RetrievalMetrics.SessionRecall(ranked, gold, 1, TurnIds.SessionOf), 12);
        Assert.Equal(0.5, RetrievalMetrics.SessionRecall(ranked, gold, 3, TurnIds.SessionOf), 12);
        Assert.Equal(1.0, RetrievalMetrics.SessionRecall(ranked, gold, 4, TurnIds.SessionOf), 12);
        Assert.Equal(0.5, RetrievalMetrics.SessionRecall(["D2", "D3", "D3"], gold, 3), 12);
    }

    [Fact]
    public void Recall_any_and_all_count_a_question_once_per_cut_off_like_longmemeval()
    {
        HashSet<string> gold = Set("D1", "D3");
        string[] ranked = ["D2", "D3", "D3", "D1"];

        Assert.Equal(0.0, RetrievalMetrics.SessionRecallAny(ranked, gold, 1));
        Assert.Equal(1.0, RetrievalMetrics.SessionRecallAny(ranked, gold, 2));
        Assert.Equal(0.0, RetrievalMetrics.SessionRecallAll(ranked, gold, 3)); // D3 twice is still one of two
        Assert.Equal(1.0, RetrievalMetrics.SessionRecallAll(ranked, gold, 4));
        Assert.Throws<ArgumentException>(() => RetrievalMetrics.SessionRecallAll(ranked, new HashSet<string>(), 4));
    }

    [Fact]
    public void Ndcg_uses_binary_gains_and_an_ideal_over_min_k_and_gold()
    {
        // DCG = 1/log2(3) + 1/log2(5) = 1.061606; IDCG(3 gold) = 1 + 1/log2(3) + 1/log2(4) = 2.130930.
        Assert.Equal(0.498189257, RetrievalMetrics.Ndcg(["x", "a", "y", "b"], Set("a", "b", "c"), 4), 9);
        // With k = 1 only one hit is possible, so a hit at rank 1 is perfect.
        Assert.Equal(1.0, RetrievalMetrics.Ndcg(["a", "b"], Set("a", "b"), 1), 12);
        Assert.Equal(0.0, RetrievalMetrics.Ndcg(["x", "a"], Set("a"), 1), 12);
        // A duplicate earns no second gain.
        Assert.Equal(1 / (1 + (1 / Math.Log2(3))), RetrievalMetrics.Ndcg(["a", "a"], Set("a", "b"), 2), 12);
    }

    [Fact]
    public void Reciprocal_rank_of_the_first_gold_hit()
    {
        string[] ranked = ["x", "y", "a", "b"];

        Assert.Equal(1.0 / 3, RetrievalMetrics.ReciprocalRank(ranked, Set("a", "b")), 12);
        Assert.Equal(0, RetrievalMetrics.ReciprocalRank(ranked, Set("a", "b"), k: 2));
        Assert.Equal(0, RetrievalMetrics.ReciprocalRank(ranked, Set("z")));
        Assert.Equal(1, RetrievalMetrics.ReciprocalRank(["b"], Set("b")));
    }

    [Fact]
    public void Metrics_reject_missing_gold_and_bad_cut_offs()
    {
        Assert.Throws<ArgumentException>(() => RetrievalMetrics.Recall(["a"], Set(), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrievalMetrics.Ndcg(["a"], Set("a"), 0));
    }
}
