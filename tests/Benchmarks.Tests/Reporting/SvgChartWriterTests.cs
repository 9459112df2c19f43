using System.Xml.Linq;
using AgentMem.Benchmarks.Metrics;
using AgentMem.Benchmarks.Reporting;
using AgentMem.Benchmarks.Runner;

namespace AgentMem.Benchmarks.Tests.Reporting;

public class SvgChartWriterTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Chart_is_well_formed_svg_with_one_polyline_per_series()
    {
        XDocument doc = XDocument.Parse(SvgChartWriter.Render(SampleRun.Result(), "Recall <&> \"curves\""));

        Assert.Equal(Svg + "svg", doc.Root!.Name);
        var polylines = doc.Descendants(Svg + "polyline").ToList();
        Assert.Equal(3, polylines.Count); // overall + categories 1 and 2; excluded 5 is not plotted
        Assert.Equal(
            ["overall", "1", "2"],
            polylines.Select(p => (string)p.Parent!.Attribute("data-series")!));
        Assert.All(polylines, p => Assert.Equal(2, ((string)p.Attribute("points")!).Split(' ').Length));

        var labels = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("Recall <&> \"curves\"", labels);
        Assert.Contains("1", labels);
        Assert.Contains("3", labels);
        Assert.Contains("0.0", labels);
        Assert.Contains("1.0", labels);
        Assert.Contains("overall", labels);
    }

    [Fact]
    public void The_x_axis_names_what_k_counts()
    {
        // At session granularity k counts retrieved sessions; the axis always read "k (retrieved turns)".
        var labels = (Granularity g) => XDocument.Parse(SvgChartWriter.Render(SampleRun.Result(), granularity: g)).Descendants(Svg + "text").Select(t => t.Value).ToList();

        Assert.Contains("k (retrieved sessions)", labels(Granularity.Session));
        Assert.DoesNotContain(labels(Granularity.Session), l => l.Contains("turns", StringComparison.Ordinal));
        Assert.Contains("k (retrieved turns)", labels(Granularity.Turn));
    }

    [Fact]
    public void Undefined_points_are_skipped()
    {
        BenchmarkResult empty = new EvaluationAccumulator("empty").Build();

        XDocument doc = XDocument.Parse(SvgChartWriter.Render(empty));

        XElement line = Assert.Single(doc.Descendants(Svg + "polyline"));
        Assert.Equal("", (string)line.Attribute("points")!);
    }

    [Fact]
    public void Write_creates_a_parseable_file()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "recall.svg");

        SvgChartWriter.Write(path, SampleRun.Result());

        Assert.Equal(Svg + "svg", XDocument.Load(path).Root!.Name);
    }
}
