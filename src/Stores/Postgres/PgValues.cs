namespace AgentMem.Stores.Postgres;

/// <summary>How times and optional values are bound as parameters.</summary>
internal static class PgValues
{
    /// <summary>
    /// A time for a <c>timestamptz</c> parameter: Npgsql writes only UTC offsets. The server keeps microseconds, so the
    /// last tick (100 ns) of a .NET time does not survive a round trip; the facade's times are whole microseconds
    /// (<c>StoredTime</c>), so only a finer time written through the store alone loses it.
    /// </summary>
    public static DateTimeOffset Time(DateTimeOffset value) => value.ToUniversalTime();

    public static object TimeOrNull(DateTimeOffset? value) => value is { } v ? Time(v) : DBNull.Value;

    public static object OrNull(string? value) => value is null ? DBNull.Value : value;

    /// <summary>Reads a non-null <c>timestamptz</c> column (for the shared row readers).</summary>
    public static DateTimeOffset ReadTime(DbDataReader r, int ordinal) => r.GetFieldValue<DateTimeOffset>(ordinal);
}
