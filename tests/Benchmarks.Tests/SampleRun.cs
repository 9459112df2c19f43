using AgentMem.Benchmarks.Metrics;

namespace AgentMem.Benchmarks.Tests;

/// <summary>A tiny run with hand-computable metrics, shared by the metric and report tests.</summary>
internal static class SampleRun
{
    /// <summary>
    /// Four questions scored at k = 1 and 3: q1 (category 1) hits both gold turns at ranks 1 and 3;
    /// q2 (category 2) hits its gold at rank 2; q3 (category 2) has no gold; q4 (category 5) is
    /// adversarial with its gold at rank 1. Three ingest operations of 5, 15 and 10 ms move 5 items.
    /// </summary>
    public static EvaluationAccumulator Create(bool excludeAdversarial = true)
    {
        var acc = new EvaluationAccumulator("toy", [3, 1, 3], excludeAdversarial);
        acc.Add(new QuestionResult("q1", "1", false, ["S1:0", "S9:0", "S1:1"], ["S1:0", "S1:1"], ["S1"], 10, 100, 1000) { F1 = 0.5, WholeContextTokens = 300 });
        acc.Add(new QuestionResult("q2", "2", false, ["S2:0", "S3:1"], ["S3:1"], ["S3"], 20, 200, 1000) { F1 = 1.0, Bleu1 = 0.8, WholeContextTokens = 400 });
        acc.Add(new QuestionResult("q3", "2", false, ["S1:0"], [], [], 30, 300, 1000) { WholeContextTokens = 500 });
        acc.Add(new QuestionResult("q4", "5", true, ["S5:0"], ["S5:0"], ["S5"], 40, 400, 1000) { F1 = 0.0, WholeContextTokens = 600 });
        acc.RecordIngest(5, 2);
        acc.RecordIngest(15, 2);
        acc.RecordIngest(10, 1);
        return acc;
    }

    public static BenchmarkResult Result() => Create().Build();

    public static Dictionary<string, object?> Manifest() => new()
    {
        ["dataset_sha256"] = "abc123",
        ["git_commit"] = "deadbeef",
        ["top_k"] = 20,
        ["temperature"] = 0.25,
        ["dry_run"] = false,
        ["note"] = "pipes | and\nnewlines",
        ["missing"] = null,
        ["models"] = new[] { "embed-small", "reader" },
    };
}
