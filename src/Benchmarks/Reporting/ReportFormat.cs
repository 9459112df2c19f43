namespace AgentMem.Benchmarks.Reporting;

/// <summary>Invariant number and value formatting shared by the human-readable reports.</summary>
internal static class ReportFormat
{
    public const string Missing = "n/a";

    public static string Score(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : Missing;

    public static string Millis(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : Missing;

    public static string Whole(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("0", CultureInfo.InvariantCulture) : Missing;

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Value(object? value) => value switch
    {
        null => "",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value, value.GetType()),
    };
}
