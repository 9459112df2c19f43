using AgentMem.Benchmarks.Metrics;
using AgentMem.Benchmarks.Reporting;

namespace AgentMem.Benchmarks.Tests.Reporting;

public class TextSummaryTests
{
    [Fact]
    public void Summary_is_a_fixed_width_table_with_latency_tokens_and_qa()
    {
        string text = TextSummary.Format(SampleRun.Result());
        string[] lines = text.Split('\n');

        Assert.StartsWith("Dataset toy: 4 questions, 2 scored, 1 without gold turns, 1 excluded", lines[0], StringComparison.Ordinal);
        string header = lines.Single(l => l.StartsWith("category", StringComparison.Ordinal));
        string overall = lines.Single(l => l.StartsWith("overall", StringComparison.Ordinal));
        string excluded = lines.Single(l => l.StartsWith("5 (excluded)", StringComparison.Ordinal));
        Assert.Equal(header.Length, overall.Length);
        Assert.Equal(header.Length, excluded.Length);
        Assert.Equal(header.IndexOf("R@3", StringComparison.Ordinal) + 3, overall.IndexOf("1.000", StringComparison.Ordinal) + 5);
        Assert.Contains("0.250", overall, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("search ms   p50 25.0  p95 38.5  p99 39.7", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("tokens      context 250  (whole memories 450)  full context 1000", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("qa          F1 0.750", StringComparison.Ordinal));
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_baseline_retriever_over_the_same_ingest_says_so_instead_of_an_empty_ingest_line()
    {
        // "ingest ms p50 n/a ... (n=0, n/a items/s)" read as if the baseline had ingested nothing; it searched the run's cubes.
        var baseline = new EvaluationAccumulator("toy", [1]);
        baseline.Add(new QuestionResult("q1", "1", false, ["S1:0"], ["S1:0"], ["S1"], 2, 10, 100));

        string[] lines = TextSummary.Format(baseline.Build(), ingestShared: true).Split('\n');

        Assert.Contains("ingest      shared with the run above", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("ingest ms", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("search ms   p50 2.0", StringComparison.Ordinal));
    }

    [Fact]
    public void The_full_context_baseline_has_its_own_qa_line_under_the_retrieved_contexts()
    {
        var result = SampleRun.Result() with { FullContextQa = new(3, 0.4, 0.3, 0.5) };

        string[] lines = TextSummary.Format(result).Split('\n');

        int qa = Array.FindIndex(lines, l => l.StartsWith("qa          F1 0.750", StringComparison.Ordinal));
        Assert.StartsWith("qa full ctx F1 0.400  BLEU-1 0.300  judge 0.500  (n=3", lines[qa + 1], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("qa full ctx", StringComparison.Ordinal) && l.Contains("skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void Full_context_answers_the_endpoint_could_not_give_are_counted_on_the_line()
    {
        var some = TextSummary.Format(SampleRun.Result() with { FullContextQa = new(3, 0.4, 0.3, 0.5), FullContextQaSkipped = 2 });
        var none = TextSummary.Format(SampleRun.Result() with { FullContextQaSkipped = 4 });

        Assert.Contains("(n=3, 2 skipped:", some, StringComparison.Ordinal);
        Assert.Contains("qa full ctx n/a  (4 skipped:", none, StringComparison.Ordinal);
    }

    [Fact]
    public void Questions_the_endpoint_could_not_answer_are_counted_on_the_qa_line()
    {
        var some = TextSummary.Format(SampleRun.Result() with { QaSkipped = 1 });
        var all = TextSummary.Format(SampleRun.Result() with { Overall = SampleRun.Result().Overall with { Qa = null }, QaSkipped = 4 });

        Assert.Contains("qa          F1 0.750", some, StringComparison.Ordinal);
        Assert.Contains(", 1 skipped: the reader or judge endpoint refused or timed out)", some, StringComparison.Ordinal);
        Assert.Contains("qa          n/a  (4 skipped:", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_replies_without_a_verdict_are_counted_on_their_qa_line()
    {
        var result = SampleRun.Result();
        string text = TextSummary.Format(result with
        {
            Overall = result.Overall with { Qa = result.Overall.Qa! with { JudgeUnparsed = 2 } },
            FullContextQa = new QaSummary(3, 0.4, 0.3, 0.5) { JudgeUnparsed = 1 },
        });

        string[] lines = text.Split('\n');
        Assert.Contains(", 2 judge replies without a verdict, not in the judge mean", Assert.Single(lines, l => l.StartsWith("qa          F1", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains(", 1 judge reply without a verdict, not in the judge mean", Assert.Single(lines, l => l.StartsWith("qa full ctx F1", StringComparison.Ordinal)), StringComparison.Ordinal);
    }
}
