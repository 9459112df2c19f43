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
    public void Write_creates_the_file()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "report.md");

        MarkdownReportWriter.Write(path, SampleRun.Result());

        Assert.DoesNotContain("## Manifest", File.ReadAllText(path), StringComparison.Ordinal);
    }
}
