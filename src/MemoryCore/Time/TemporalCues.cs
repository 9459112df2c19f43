namespace AgentMem.MemoryCore.Time;

/// <summary>
/// Cheap tests for time in text: whether a memory mentions when something happened (a relative expression, a weekday,
/// a month, a year) and whether a query asks when. Used by time-aware retrieval: a "when" question prefers memories that
/// carry a time, since those are the ones that can answer it.
/// </summary>
public static partial class TemporalCues
{
    /// <summary>Whether <paramref name="text"/> mentions a time: "yesterday", "two weeks ago", "last summer", "Friday", "June", "in May", "2022", ...</summary>
    public static bool MentionsTime(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TimeMention().IsMatch(text);
    }

    /// <summary>Whether <paramref name="query"/> asks about time: "When did ...", "What year ...", "How long ago ...".</summary>
    public static bool AsksWhen(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return WhenQuestion().IsMatch(query);
    }

    // "May" and "March" are verbs too ("you may want to"): a month only after a preposition ("in May", "since march"),
    // next to a day or a year ("8 May", "the 3rd of may", "May 2023"), or capitalised within a sentence (a line's start
    // counts as a sentence's: "ok\nMay I ask"). Not after "this":
    // "this may help" is far more common than "this May".
    private const string VerbMonths = @"may|march";

    [GeneratedRegex(
        @"\b(?:yesterday|today|tonight|tomorrow|recently|weekend|(?:last|next|this)\s+(?:night|week|weekend|month|year|summer|winter|spring|fall|autumn|morning)"
        + @"|\w+\s+(?:days?|weeks?|months?|years?)\s+ago|january|february|april|june|july|august|september|october|november|december"
        + @"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|(?:19|20)\d\d"
        + @"|(?<=\b(?:in|on|of|since|until|till|by|from|through|during|early|late|mid|last|next|every)[\s-]+)(?:" + VerbMonths + @")"
        + @"|(?:" + VerbMonths + @")\.?,?\s+(?:[0-3]?\d(?:st|nd|rd|th)?|(?:19|20)\d\d)"
        + @"|[0-3]?\d(?:st|nd|rd|th)\s+(?:of\s+)?(?:" + VerbMonths + @")|[0-3]?\d\s+(?-i:May|March)"
        + @"|(?<!(?:^|[.!?:;""“(\[\n])[^\S\n]*)(?-i:May|March))\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TimeMention();

    [GeneratedRegex(
        @"^\s*(?:when|what\s+(?:date|day|year|month|time)|how\s+long\s+ago|which\s+(?:year|month|day|date))\b|\bwhen\s+(?:did|was|is|were|will|does|do)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WhenQuestion();
}
