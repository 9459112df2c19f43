using AgentMem.Benchmarks.Reporting;

namespace AgentMem.Benchmarks.Tests.Reporting;

public class TextSummaryTests
{
    [Fact]
    public void Summary_is_a_fixed_width_table_with_latency_tokens_and_qa()
    {
        string text = TextSummary.Format(SampleRun.Result());
        string[] lines = text.Split('\n');

        Assert.StartsWith("Dataset toy: 4 questions, 2 scored, 1 without evidence, 1 excluded", lines[0], StringComparison.Ordinal);
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
}
