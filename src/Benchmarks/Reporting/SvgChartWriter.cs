using System.Xml.Linq;
using AgentMem.Benchmarks.Runner;

namespace AgentMem.Benchmarks.Reporting;

/// <summary>
/// Renders recall@k curves as a self-contained SVG: one polyline per headline category plus one
/// for the overall curve, k ticks evenly spaced on the x-axis (the usual cut-offs 1/5/10/20 are
/// far from linear), recall 0..1 on the y-axis, and a legend. Undefined points are skipped.
/// </summary>
public static class SvgChartWriter
{
    private static readonly ChartLayout Layout = new(Width: 800, Height: 440, Left: 60, Right: 240, Top: 50, Bottom: 60);

    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // Colour-blind-friendly palette (Okabe-Ito), then cycled.
    private static readonly string[] Palette =
    [
        "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
    ];

    /// <summary>Renders the chart.</summary>
    /// <param name="result">Aggregated result.</param>
    /// <param name="title">Chart title; defaults to <c>Evidence recall@k: {dataset}</c>.</param>
    /// <param name="granularity">What one retrieved memory held, so what k counts: the x axis says turns or sessions.</param>
    /// <returns>The SVG document text.</returns>
    public static string Render(BenchmarkResult result, string? title = null, Granularity granularity = Granularity.Turn)
    {
        ArgumentNullException.ThrowIfNull(result);
        var root = new XElement(
            Svg + "svg",
            new XAttribute("width", N(Layout.Width)),
            new XAttribute("height", N(Layout.Height)),
            new XAttribute("viewBox", $"0 0 {N(Layout.Width)} {N(Layout.Height)}"),
            new XAttribute("font-family", "sans-serif"),
            new XAttribute("font-size", "12"),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "white")),
            Text(Layout.Width / 2, 25, title ?? $"Evidence recall@k: {result.Dataset}", "middle", ("font-size", "16")));

        AddAxes(root, result.Ks, granularity);

        var series = new List<(string Name, IReadOnlyDictionary<int, double?> Values, bool Bold)>
        {
            ("overall", result.Overall.Recall, true),
        };
        series.AddRange(result.ByCategory.Select(c => (c.Key, c.Value.Recall, false)));

        for (int s = 0; s < series.Count; s++)
        {
            (string name, IReadOnlyDictionary<int, double?> values, bool bold) = series[s];
            string colour = bold ? "#000000" : Palette[(s - 1) % Palette.Length];
            var points = new List<(double X, double Y)>();
            for (int i = 0; i < result.Ks.Count; i++)
            {
                if (values.TryGetValue(result.Ks[i], out double? value) && value is { } v && double.IsFinite(v))
                {
                    points.Add((Layout.X(i, result.Ks.Count), Layout.Y(v)));
                }
            }

            var group = new XElement(Svg + "g", new XAttribute("data-series", name));
            group.Add(new XElement(
                Svg + "polyline",
                new XAttribute("points", string.Join(' ', points.Select(p => $"{N(p.X)},{N(p.Y)}"))),
                new XAttribute("fill", "none"),
                new XAttribute("stroke", colour),
                new XAttribute("stroke-width", bold ? "3" : "1.5")));
            foreach ((double x, double y) in points)
            {
                group.Add(new XElement(Svg + "circle", new XAttribute("cx", N(x)), new XAttribute("cy", N(y)), new XAttribute("r", "3"), new XAttribute("fill", colour)));
            }

            root.Add(group);

            double legendY = Layout.Top + 10 + (s * 20);
            root.Add(new XElement(
                Svg + "line",
                new XAttribute("x1", N(Layout.Width - Layout.Right + 20)),
                new XAttribute("y1", N(legendY)),
                new XAttribute("x2", N(Layout.Width - Layout.Right + 45)),
                new XAttribute("y2", N(legendY)),
                new XAttribute("stroke", colour),
                new XAttribute("stroke-width", bold ? "3" : "1.5")));
            root.Add(Text(Layout.Width - Layout.Right + 52, legendY + 4, name, "start"));
        }

        return root.ToString() + "\n";
    }

    /// <summary>Writes the chart to a file, creating its directory if needed.</summary>
    /// <param name="path">Output file.</param>
    /// <param name="result">Aggregated result.</param>
    /// <param name="title">Chart title; defaults to <c>Evidence recall@k: {dataset}</c>.</param>
    /// <param name="granularity">What one retrieved memory held (see <see cref="Render"/>).</param>
    public static void Write(string path, BenchmarkResult result, string? title = null, Granularity granularity = Granularity.Turn)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ReportFiles.WriteText(path, Render(result, title, granularity));
    }

    private static void AddAxes(XElement root, IReadOnlyList<int> ks, Granularity granularity)
    {
        for (int tick = 0; tick <= 5; tick++)
        {
            double value = tick / 5.0;
            double y = Layout.Y(value);
            root.Add(Line(Layout.Left, y, Layout.Left + Layout.PlotWidth, y, tick == 0 ? "#000000" : "#dddddd"));
            root.Add(Text(Layout.Left - 8, y + 4, value.ToString("0.0", CultureInfo.InvariantCulture), "end"));
        }

        root.Add(Line(Layout.Left, Layout.Top, Layout.Left, Layout.Top + Layout.PlotHeight, "#000000"));
        for (int i = 0; i < ks.Count; i++)
        {
            double x = Layout.X(i, ks.Count);
            root.Add(Line(x, Layout.Top + Layout.PlotHeight, x, Layout.Top + Layout.PlotHeight + 5, "#000000"));
            root.Add(Text(x, Layout.Top + Layout.PlotHeight + 20, ks[i].ToString(CultureInfo.InvariantCulture), "middle"));
        }

        root.Add(Text(Layout.Left + (Layout.PlotWidth / 2), Layout.Height - 15, granularity == Granularity.Session ? "k (retrieved sessions)" : "k (retrieved turns)", "middle"));
        var yLabel = Text(18, Layout.Top + (Layout.PlotHeight / 2), "recall@k", "middle");
        yLabel.Add(new XAttribute("transform", $"rotate(-90 18 {N(Layout.Top + (Layout.PlotHeight / 2))})"));
        root.Add(yLabel);
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string colour) =>
        new(
            Svg + "line",
            new XAttribute("x1", N(x1)),
            new XAttribute("y1", N(y1)),
            new XAttribute("x2", N(x2)),
            new XAttribute("y2", N(y2)),
            new XAttribute("stroke", colour));

    private static XElement Text(double x, double y, string content, string anchor, params (string Name, string Value)[] extra)
    {
        var element = new XElement(
            Svg + "text",
            new XAttribute("x", N(x)),
            new XAttribute("y", N(y)),
            new XAttribute("text-anchor", anchor),
            content);
        foreach ((string name, string value) in extra)
        {
            element.Add(new XAttribute(name, value));
        }

        return element;
    }

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
