namespace AgentMem.MemoryCore.Time;

/// <summary>
/// Finds relative time expressions in English text ("yesterday", "last week", "two days ago", "last Friday", "next month",
/// "this summer") and resolves them against the date the text was said (the calendar day at the anchor's own offset).
/// Weeks run Monday to Sunday; seasons are the northern hemisphere's (summer = June–August), and "this" season between two
/// of them is the nearer one. A bare or "last" weekday means the most recent such day before the anchor date, "next" the
/// first one after it. Deterministic and culture-invariant.
/// </summary>
public static partial class RelativeTimeResolver
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.Ordinal)
    {
        ["a"] = 1, ["an"] = 1, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7,
        ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["a couple of"] = 2, ["a couple"] = 2,
        ["couple of"] = 2, ["a few"] = 3, ["few"] = 3, ["several"] = 3,
    };

    /// <summary>
    /// Every expression in <paramref name="text"/> resolved against <paramref name="anchor"/>, in text order; overlapping
    /// matches keep the longest. One that reaches outside the calendar (before year 1 or after 9999) is left out.
    /// </summary>
    public static IReadOnlyList<ResolvedTime> Resolve(string text, DateTimeOffset anchor)
    {
        ArgumentNullException.ThrowIfNull(text);
        // The speaker's calendar day, at the offset the time was given with: "yesterday" said at 8 pm in California
        // (3 am UTC the next day) is the day before the Californian date.
        var day = DateOnly.FromDateTime(anchor.DateTime);
        var found = new List<ResolvedTime>();
        foreach (Match m in Expression().Matches(text))
        {
            ResolvedTime? resolved;
            try
            {
                resolved = ResolveMatch(m, day);
            }
            catch (ArgumentOutOfRangeException)
            {
                // It falls before 1 January 0001 or after 31 December 9999 ("last year" said in year 1): there is no such
                // date to name, and a text dated at the calendar's edge must still become a note.
                resolved = null;
            }

            if (resolved is not null && !found.Any(f => Overlaps(f, resolved)))
            {
                found.Add(resolved);
            }
        }

        found.Sort((a, b) => a.Start.CompareTo(b.Start));
        return found;
    }

    /// <summary>
    /// <paramref name="text"/> with each resolved expression followed by its absolute form in brackets, e.g.
    /// "I went there yesterday [7 May 2023]". Unchanged when nothing was found.
    /// </summary>
    public static string Annotate(string text, DateTimeOffset anchor)
    {
        var times = Resolve(text, anchor);
        if (times.Count == 0)
        {
            return text;
        }

        var sb = new System.Text.StringBuilder(text.Length + (times.Count * 20));
        int at = 0;
        foreach (var t in times)
        {
            int end = t.Start + t.Expression.Length;
            sb.Append(text, at, end - at).Append(" [").Append(t.Describe()).Append(']');
            at = end;
        }

        return sb.Append(text, at, text.Length - at).ToString();
    }

    private static bool Overlaps(ResolvedTime a, ResolvedTime b) =>
        a.Start < b.Start + b.Expression.Length && b.Start < a.Start + a.Expression.Length;

    private static ResolvedTime? ResolveMatch(Match m, DateOnly day)
    {
        string expr = m.Value;
        int start = m.Index;
        string lower = Words(expr);
        if (m.Groups["dby"].Success)
        {
            return Day(expr, start, day.AddDays(-2));
        }

        if (m.Groups["dat"].Success)
        {
            return Day(expr, start, day.AddDays(2));
        }

        if (m.Groups["simple"].Success)
        {
            return lower switch
            {
                "yesterday" or "last night" => Day(expr, start, day.AddDays(-1)),
                "tomorrow" => Day(expr, start, day.AddDays(1)),
                _ => Day(expr, start, day), // today, tonight, this morning/afternoon/evening
            };
        }

        if (m.Groups["agoUnit"].Success || m.Groups["inUnit"].Success)
        {
            bool future = m.Groups["inUnit"].Success;
            string count = Words(future ? m.Groups["inNum"].Value : m.Groups["agoNum"].Value);
            int n = int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) ? parsed : Numbers.GetValueOrDefault(count, -1);
            if (n < 0 || n > 1000)
            {
                return null;
            }

            int sign = future ? 1 : -1;
            string unit = (future ? m.Groups["inUnit"].Value : m.Groups["agoUnit"].Value).ToLowerInvariant().TrimEnd('s');
            return unit switch
            {
                "day" => Day(expr, start, day.AddDays(sign * n)),
                "week" => Week(expr, start, day.AddDays(sign * 7 * n)),
                "month" => Month(expr, start, day.AddMonths(sign * n)),
                _ => Year(expr, start, day.Year + (sign * n)),
            };
        }

        if (m.Groups["relUnit"].Success)
        {
            string which = Words(m.Groups["rel"].Value);
            int offset = which switch
            {
                "last" or "past" or "the past" or "the last" => -1,
                "next" or "the coming" or "coming" => 1,
                _ => 0, // this, earlier this
            };
            string unit = m.Groups["relUnit"].Value.ToLowerInvariant();
            return unit switch
            {
                "week" => Week(expr, start, day.AddDays(7 * offset)),
                "weekend" => Weekend(expr, start, day, offset),
                "month" => Month(expr, start, day.AddMonths(offset)),
                "year" => Year(expr, start, day.Year + offset),
                _ => Season(expr, start, day, unit, offset),
            };
        }

        if (m.Groups["weekday"].Success)
        {
            var target = Enum.Parse<DayOfWeek>(m.Groups["weekday"].Value, ignoreCase: true);
            string which = m.Groups["wrel"].Value.ToLowerInvariant();
            if (which == "next")
            {
                int ahead = ((int)target - (int)day.DayOfWeek + 7) % 7;
                return Day(expr, start, day.AddDays(ahead == 0 ? 7 : ahead));
            }

            if (which == "this")
            {
                return Day(expr, start, MondayOf(day).AddDays(((int)target + 6) % 7));
            }

            int back = ((int)day.DayOfWeek - (int)target + 7) % 7;
            return Day(expr, start, day.AddDays(-(back == 0 ? 7 : back)));
        }

        return null;
    }

    /// <summary>
    /// <paramref name="text"/> in lower case with each run of white space one space, as the names it is looked up by are
    /// written: the pattern takes any white space between words ("last\nnight" is "last night").
    /// </summary>
    private static string Words(string text) =>
        string.Join(' ', text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static ResolvedTime Day(string expr, int start, DateOnly d) => new(expr, start, d, d, TimeGranularity.Day);

    private static ResolvedTime Week(string expr, int start, DateOnly inWeek)
    {
        var monday = MondayOf(inWeek);
        return new(expr, start, monday, monday.AddDays(6), TimeGranularity.Week);
    }

    private static ResolvedTime Weekend(string expr, int start, DateOnly day, int offset)
    {
        // "this weekend": the Saturday of this Monday-to-Sunday week; "last": the weekend before it; "next": the one after.
        var saturday = MondayOf(day).AddDays(5).AddDays(7 * offset);
        return new(expr, start, saturday, saturday.AddDays(1), TimeGranularity.Week);
    }

    private static ResolvedTime Month(string expr, int start, DateOnly inMonth)
    {
        var first = new DateOnly(inMonth.Year, inMonth.Month, 1);
        return new(expr, start, first, first.AddMonths(1).AddDays(-1), TimeGranularity.Month);
    }

    private static ResolvedTime Year(string expr, int start, int year) =>
        new(expr, start, new DateOnly(year, 1, 1), new DateOnly(year, 12, 31), TimeGranularity.Year);

    private static ResolvedTime Season(string expr, int start, DateOnly day, string name, int offset)
    {
        int firstMonth = name switch
        {
            "spring" => 3,
            "summer" => 6,
            "fall" or "autumn" => 9,
            _ => 12,
        };

        // The season containing the anchor, or else the last one that started before it; then step by whole years.
        var begin = new DateOnly(day.Year, firstMonth, 1);
        if (begin > day)
        {
            begin = begin.AddYears(-1);
        }

        var end = begin.AddMonths(3).AddDays(-1);
        bool inside = day <= end;
        if (offset < 0 && inside)
        {
            begin = begin.AddYears(-1);
        }
        else if (offset > 0)
        {
            begin = begin.AddYears(1);
        }
        else if (offset == 0 && !inside)
        {
            // "this summer" between summers: the nearer one ("this summer" in April is the coming one, in November the
            // one just past; "this winter" in November the coming one). A tie goes to the one past.
            var coming = begin.AddYears(1);
            if (coming.DayNumber - day.DayNumber < day.DayNumber - end.DayNumber)
            {
                begin = coming;
            }
        }

        return new(expr, start, begin, begin.AddMonths(3).AddDays(-1), TimeGranularity.Season);
    }

    private static DateOnly MondayOf(DateOnly d) => d.AddDays(-(((int)d.DayOfWeek + 6) % 7));

    private const string NumberWords = @"\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|several";

    [GeneratedRegex(
        @"\b(?:(?<dby>the\s+day\s+before\s+yesterday)|(?<dat>the\s+day\s+after\s+tomorrow)"
        + @"|(?<simple>yesterday|today|tonight|tomorrow|last\s+night|this\s+(?:morning|afternoon|evening))"
        + @"|(?<agoNum>" + NumberWords + @")\s+(?<agoUnit>days?|weeks?|months?|years?)\s+ago"
        + @"|in\s+(?<inNum>" + NumberWords + @")\s+(?<inUnit>days?|weeks?|months?|years?)"
        + @"|(?<rel>earlier\s+this|this|last|next|the\s+past|the\s+last|the\s+coming|past)\s+(?<relUnit>weekend|week|month|year|summer|winter|spring|fall|autumn)"
        + @"|(?:(?<wrel>last|next|this|on)\s+)?(?<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Expression();
}
