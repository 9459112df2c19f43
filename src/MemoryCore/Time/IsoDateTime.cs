namespace AgentMem.MemoryCore.Time;

/// <summary>
/// Reads an ISO 8601 date or date-time: <c>2024-05-07</c>, <c>2024-05-07T14:30</c>, <c>2024-05-07T14:30:00.5Z</c>,
/// <c>2024-05-07 14:30:00+02:00</c>. A time without an offset is taken as UTC.
/// </summary>
/// <remarks>
/// Only these shapes: the invariant culture's lenient parser also reads "05/07/2023" (as 7 May, where a European means
/// 5 July) or "Monday, 7 May", so a date in another convention was stored as a different day without a word.
/// </remarks>
public static partial class IsoDateTime
{
    /// <summary>The date-time <paramref name="text"/> writes, or false when it is not ISO 8601 (or not a real date).</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is not null && Shape().IsMatch(text.Trim())
            && DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
