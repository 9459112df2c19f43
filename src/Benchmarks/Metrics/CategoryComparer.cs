namespace AgentMem.Benchmarks.Metrics;

/// <summary>Orders categories naturally: integers numerically (so 10 follows 9) before other names, which sort ordinally.</summary>
internal sealed class CategoryComparer : IComparer<string>
{
    public static CategoryComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        bool xNumber = long.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out long xValue);
        bool yNumber = long.TryParse(y, NumberStyles.Integer, CultureInfo.InvariantCulture, out long yValue);
        return (xNumber, yNumber) switch
        {
            (true, true) => xValue.CompareTo(yValue),
            (true, false) => -1,
            (false, true) => 1,
            _ => string.CompareOrdinal(x, y),
        };
    }
}
