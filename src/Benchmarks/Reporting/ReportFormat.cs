namespace AgentMem.Benchmarks.Reporting;

/// <summary>Invariant number and value formatting shared by the human-readable reports.</summary>
internal static class ReportFormat
{
    public const string Missing = "n/a";

    public static string Score(double? value) => Defined(value, "0.000");

    public static string Millis(double? value) => Defined(value, "0.0");

    public static string Whole(double? value) => Defined(value, "0");

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Value(object? value) => value switch
    {
        null => "",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value, value.GetType()),
    };

    private static string Defined(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : Missing;
}
