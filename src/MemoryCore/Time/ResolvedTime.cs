namespace AgentMem.MemoryCore.Time;

/// <summary>How precise a resolved time expression is.</summary>
public enum TimeGranularity
{
    /// <summary>One calendar day ("yesterday", "last Friday").</summary>
    Day,

    /// <summary>A week, Monday to Sunday ("last week") or a weekend.</summary>
    Week,

    /// <summary>A calendar month ("last month").</summary>
    Month,

    /// <summary>A season of three months ("last summer", northern hemisphere).</summary>
    Season,

    /// <summary>A calendar year ("last year").</summary>
    Year,
}

/// <summary>
/// A relative time expression found in a text and resolved against the text's own date into an absolute, inclusive day range.
/// </summary>
/// <param name="Expression">The words as written, e.g. "two days ago".</param>
/// <param name="Start">Character offset of the expression in the text.</param>
/// <param name="From">First day of the range.</param>
/// <param name="To">Last day of the range (equal to <paramref name="From"/> for a day).</param>
/// <param name="Granularity">How precise the range is.</param>
public sealed record ResolvedTime(string Expression, int Start, DateOnly From, DateOnly To, TimeGranularity Granularity)
{
    /// <summary>A readable absolute form: "7 May 2023", "the week of 1 May 2023", "May 2023", "summer 2023", "2023".</summary>
    public string Describe() => Granularity switch
    {
        TimeGranularity.Day => From.ToString("d MMMM yyyy", CultureInfo.InvariantCulture),
        TimeGranularity.Week when To.DayNumber - From.DayNumber == 1 => "the weekend of " + From.ToString("d MMMM yyyy", CultureInfo.InvariantCulture),
        TimeGranularity.Week => "the week of " + From.ToString("d MMMM yyyy", CultureInfo.InvariantCulture),
        TimeGranularity.Month => From.ToString("MMMM yyyy", CultureInfo.InvariantCulture),
        TimeGranularity.Season => SeasonName(From.Month) + " " + To.Year.ToString(CultureInfo.InvariantCulture),
        _ => From.Year.ToString(CultureInfo.InvariantCulture),
    };

    private static string SeasonName(int firstMonth) => firstMonth switch
    {
        3 => "spring",
        6 => "summer",
        9 => "autumn",
        _ => "winter",
    };
}
