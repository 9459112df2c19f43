namespace AgentMem.Stores.Sqlite;

/// <summary>How times and optional values are written to and read from columns.</summary>
internal static class SqlValues
{
    /// <summary>UTC ISO-8601 round-trip text: sorts lexically in time order.</summary>
    public static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public static object TimeOrNull(DateTimeOffset? value) => value is { } v ? Time(v) : DBNull.Value;

    public static object OrNull(string? value) => value is null ? DBNull.Value : value;

    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    /// <summary>Reads a non-null time column (for the shared row readers).</summary>
    public static DateTimeOffset ReadTime(DbDataReader r, int ordinal) => ParseTime(r.GetString(ordinal));
}
