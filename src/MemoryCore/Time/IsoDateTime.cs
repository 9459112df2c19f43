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

    /// <summary>The range of instants <see cref="TryParse"/> can return, as its refusals name it.</summary>
    public const string SupportedRange = "0001-01-01 to 9999-12-31 in UTC";

    /// <summary>
    /// Whether <paramref name="text"/> is an ISO 8601 date-time of a real day and time, with a valid offset, whose instant
    /// falls outside <see cref="SupportedRange"/> (<c>9999-12-31T23:00-05:00</c>), which <see cref="TryParse"/> refuses
    /// though the text is well written: a caller tells it apart from text that is not ISO 8601.
    /// </summary>
    public static bool IsOutOfRange(string? text)
    {
        if (text is null || TryParse(text, out _) || Shape().Match(text.Trim()) is not { Success: true } match)
        {
            return false;
        }

        // The local part and the offset each read on their own; only together do they leave DateTimeOffset's range.
        var offset = match.Groups["offset"];
        string local = text.Trim()[..(offset.Success ? offset.Index : match.Length)];
        if (!DateTime.TryParse(local, CultureInfo.InvariantCulture, DateTimeStyles.None, out var wall) || !offset.Success || offset.Value is "Z" or "z")
        {
            return false;
        }

        int hours = int.Parse(offset.ValueSpan[1..3], CultureInfo.InvariantCulture);
        int minutes = offset.Length > 3 ? int.Parse(offset.ValueSpan[^2..], CultureInfo.InvariantCulture) : 0;
        var shift = new TimeSpan(hours, minutes, 0);
        if (minutes > 59 || shift > TimeSpan.FromHours(14))
        {
            return false; // an offset no clock has: the text is wrong, not out of range
        }

        long utcTicks = wall.Ticks - (offset.Value[0] == '-' ? -shift.Ticks : shift.Ticks);
        return utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
