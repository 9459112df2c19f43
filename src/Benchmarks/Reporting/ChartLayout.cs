namespace AgentMem.Benchmarks.Reporting;

/// <summary>
/// A chart's geometry: the canvas, the margins around the plot area, and where a point of the plot lands on the
/// canvas (x by tick index, evenly spaced; y by value, 0..1 upwards).
/// </summary>
/// <param name="Width">Canvas width.</param>
/// <param name="Height">Canvas height.</param>
/// <param name="Left">Margin left of the plot (y-axis labels).</param>
/// <param name="Right">Margin right of the plot (legend).</param>
/// <param name="Top">Margin above the plot (title).</param>
/// <param name="Bottom">Margin below the plot (x-axis labels).</param>
internal sealed record ChartLayout(double Width, double Height, double Left, double Right, double Top, double Bottom)
{
    /// <summary>Width of the plot area.</summary>
    public double PlotWidth => Width - Left - Right;

    /// <summary>Height of the plot area.</summary>
    public double PlotHeight => Height - Top - Bottom;

    /// <summary>The x of tick <paramref name="index"/> of <paramref name="count"/>; a single tick stands in the middle.</summary>
    public double X(int index, int count) =>
        count == 1 ? Left + (PlotWidth / 2) : Left + (index * PlotWidth / (count - 1));

    /// <summary>The y of <paramref name="value"/>, clamped to 0..1.</summary>
    public double Y(double value) => Top + ((1 - Math.Clamp(value, 0, 1)) * PlotHeight);
}
