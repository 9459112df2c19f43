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
            // "1" and "01" are two categories (grouped by their text): equal as numbers, they still order, or a sorted
            // dictionary of them threw at the end of a run.
            (true, true) => xValue != yValue ? xValue.CompareTo(yValue) : string.CompareOrdinal(x, y),
            (true, false) => -1,
            (false, true) => 1,
            _ => string.CompareOrdinal(x, y),
        };
    }
}
