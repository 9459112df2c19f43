namespace AgentMem.MemoryCore.Time;

/// <summary>
/// Parses the date stamps conversation datasets and chat exports put on sessions, e.g. LoCoMo's
/// "1:56 pm on 8 May, 2023", LongMemEval's "2023/05/20 (Sat) 02:21" and ISO 8601. A stamp without an offset (the
/// datasets' own) is taken as UTC; one with an offset keeps it, since <see cref="RelativeTimeResolver"/> resolves
/// "yesterday" on the calendar day at the anchor's own offset: the speaker's day, not the UTC one.
/// </summary>
public static class ConversationDate
{
    // The datasets' own shapes; ISO 8601 is read by IsoDateTime, as everywhere else in the project.
    private static readonly string[] Formats =
    [
        "h:mm tt 'on' d MMMM, yyyy", "h:mm tt 'on' d MMM, yyyy", "h:mm tt 'on' d MMMM yyyy", "h:mm tt 'on' d MMM yyyy",
        "h:mmtt 'on' d MMMM, yyyy", "h tt 'on' d MMMM, yyyy",
        "yyyy/MM/dd '('ddd')' HH:mm", "yyyy/MM/dd HH:mm",
        "d MMMM, yyyy", "d MMMM yyyy", "MMMM d, yyyy",
    ];

    /// <summary>
    /// Parses <paramref name="text"/>: a dataset's format or any ISO 8601 form <see cref="IsoDateTime"/> reads (fractional
    /// seconds, minutes only, a space for the <c>T</c>, an offset or <c>Z</c>); false when it matches none.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        // Collapse runs of spaces and accept "PM"/"pm" alike (the invariant culture's AM/PM designators are upper case).
        string normalized = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Replace(" am ", " AM ", StringComparison.Ordinal).Replace(" pm ", " PM ", StringComparison.Ordinal)
            .Replace("am on", "AM on", StringComparison.Ordinal).Replace("pm on", "PM on", StringComparison.Ordinal);
        if (IsoDateTime.TryParse(normalized, out value))
        {
            return true;
        }

        // The datasets' formats name no offset: they are UTC. (IsoDateTime keeps an offset a stamp names, where converting
        // it to UTC turned "20:00 -07:00 on 7 May" into 8 May, a day later for every relative time.)
        return DateTimeOffset.TryParseExact(normalized, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="FormatException"/> naming the expected formats.</summary>
    public static DateTimeOffset Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"cannot parse date '{text}' (expected e.g. '1:56 pm on 8 May, 2023', '2023/05/20 (Sat) 02:21' or ISO 8601).");
}
