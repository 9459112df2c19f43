using AgentMem.Benchmarks.Metrics;
using AgentMem.Benchmarks.Reporting;

namespace AgentMem.Benchmarks.Tests.Reporting;

public class MarkdownReportWriterTests
{
    [Fact]
    public void Report_has_recall_table_latency_tokens_qa_and_manifest()
    {
        string md = MarkdownReportWriter.Render(SampleRun.Result(), SampleRun.Manifest());

        Assert.StartsWith("# Benchmark report: toy", md, StringComparison.Ordinal);
        Assert.Contains("| Category | n | scored | R@1 | R@3 | MRR@3 |", md, StringComparison.Ordinal);
        Assert.Contains("| **overall** | 3 | 2 | 0.250 | 1.000 | 0.750 |", md, StringComparison.Ordinal);
        Assert.Contains("| 2 | 2 | 1 | 0.000 | 1.000 | 0.500 |", md, StringComparison.Ordinal);
        Assert.Contains("| 5 (excluded) | 1 | 1 | 1.000 | 1.000 | 1.000 |", md, StringComparison.Ordinal);
        Assert.Contains("| search | 4 | 25.0 | 38.5 | 39.7 |", md, StringComparison.Ordinal);
        Assert.Contains("| 250 | 450 | 1000 |", md, StringComparison.Ordinal);
        Assert.Contains("## Answer quality", md, StringComparison.Ordinal);
        Assert.Contains("| git_commit | deadbeef |", md, StringComparison.Ordinal);
        Assert.Contains("| note | pipes \\| and newlines |", md, StringComparison.Ordinal);
        Assert.Contains("| models | [\"embed-small\",\"reader\"] |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_full_context_baseline_is_a_row_of_the_answer_quality_table()
    {
        // The run paid for these answers (twice the reader calls), and only result.json held them.
        string md = MarkdownReportWriter.Render(SampleRun.Result() with { FullContextQa = new(3, 0.4, 0.3, 0.5), FullContextQaSkipped = 1 });

        string table = md[md.IndexOf("## Answer quality", StringComparison.Ordinal)..md.IndexOf("## Latency", StringComparison.Ordinal)];
        Assert.Contains("| full context (whole conversation) | 3 | 0.400 | 0.300 | 0.500 |", table, StringComparison.Ordinal);
        Assert.Contains("1 question skipped", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Questions_the_endpoint_could_not_answer_are_counted_under_the_answer_quality_table()
    {
        string md = MarkdownReportWriter.Render(SampleRun.Result() with { QaSkipped = 2 });

        string table = md[md.IndexOf("## Answer quality", StringComparison.Ordinal)..md.IndexOf("## Latency", StringComparison.Ordinal)];
        Assert.Contains("Retrieved memories: 2 questions skipped", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_replies_without_a_verdict_have_a_column_of_the_answer_quality_table()
    {
        string md = MarkdownReportWriter.Render(SampleRun.Result() with { FullContextQa = new QaSummary(3, 0.4, 0.3, 0.5) { JudgeUnparsed = 2 } });

        Assert.Contains("| Category | n | F1 | BLEU-1 | Judge | No verdict |", md, StringComparison.Ordinal);
        Assert.Contains("| full context (whole conversation) | 3 | 0.400 | 0.300 | 0.500 | 2 |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_baseline_retriever_of_the_same_run_is_reported_beside_the_result()
    {
        var baseline = SampleRun.Result(); // the same figures: the table is the point
        var manifest = new Dictionary<string, object?> { ["baseline_retriever"] = "bm25" };

        string md = MarkdownReportWriter.Render(SampleRun.Result(), manifest, baseline);

        int section = md.IndexOf("## Baseline from the same run", StringComparison.Ordinal);
        Assert.True(section > 0, md);
        string rest = md[section..];
        Assert.Contains("bm25", rest[..rest.IndexOf('|', StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.Contains("| **overall** | 3 | 2 | 0.250 | 1.000 | 0.750 |", rest, StringComparison.Ordinal);
        Assert.DoesNotContain("## Baseline", MarkdownReportWriter.Render(SampleRun.Result(), manifest), StringComparison.Ordinal);
    }

    [Fact]
    public void A_question_with_gold_sessions_but_no_gold_turns_is_counted_as_without_gold_turns_not_without_evidence()
    {
        // LongMemEval items with answer_session_ids and no has_answer turn: scored by session, and reported as having no evidence.
        var accumulator = new EvaluationAccumulator("longmemeval", [1]);
        accumulator.Add(new QuestionResult("q", "single-session-user", false, ["s1:0"], [], ["s1"], 1, 10, 100));
        var result = accumulator.Build();
        Assert.Equal(1, result.Overall.SessionScored);

        string md = MarkdownReportWriter.Render(result);
        string text = TextSummary.Format(result);

        Assert.Contains("0 scored for retrieval, 1 without gold turns", md, StringComparison.Ordinal);

        // The session metrics' own denominator, which differs here from the turn metrics' (0).
        string overall = md[md.IndexOf("## Overall metrics by cut-off", StringComparison.Ordinal)..];
        Assert.Contains("session metrics over 1 question with gold sessions", overall, StringComparison.Ordinal);
        Assert.DoesNotContain("without gold evidence", md, StringComparison.Ordinal);
        Assert.Contains("0 scored, 1 without gold turns", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_creates_the_file()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "report.md");

        MarkdownReportWriter.Write(path, SampleRun.Result());

        Assert.DoesNotContain("## Manifest", File.ReadAllText(path), StringComparison.Ordinal);
    }
}
