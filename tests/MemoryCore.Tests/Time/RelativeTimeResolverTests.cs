using AgentMem.MemoryCore.Time;

namespace AgentMem.MemoryCore.Tests.Time;

/// <summary>Relative dates resolved against LoCoMo-style session dates.</summary>
public sealed class RelativeTimeResolverTests
{
    // Monday 8 May 2023, as LoCoMo writes it.
    private static readonly DateTimeOffset Anchor = ConversationDate.Parse("1:56 pm on 8 May, 2023");

    [Theory]
    [InlineData("1:56 pm on 8 May, 2023", 2023, 5, 8, 13, 56)]
    [InlineData("10:37 am on 27 June, 2023", 2023, 6, 27, 10, 37)]
    [InlineData("7:00 pm on 1 January, 2024", 2024, 1, 1, 19, 0)]
    [InlineData("2023/05/20 (Sat) 02:21", 2023, 5, 20, 2, 21)]
    [InlineData("2023-05-20", 2023, 5, 20, 0, 0)]
    public void Parses_conversation_date_formats(string text, int y, int mo, int d, int h, int mi)
    {
        Assert.True(ConversationDate.TryParse(text, out var date));
        Assert.Equal(new DateTimeOffset(y, mo, d, h, mi, 0, TimeSpan.Zero), date);
        Assert.Equal(TimeSpan.Zero, date.Offset); // a stamp without an offset is UTC
    }

    [Theory]
    [InlineData("2024-05-07T14:30:00.5Z")]
    [InlineData("2024-05-07T14:30Z")]
    [InlineData("2024-05-07T14:30")]
    [InlineData("2024-05-07 14:30:00")]
    [InlineData("2024-05-07t14:30:00+02:00")]
    [InlineData("2024-05-07  14:30")]
    public void Reads_every_ISO_8601_form_IsoDateTime_reads(string text)
    {
        // Only three ISO shapes were known, and the error for the others said "(expected ... or ISO 8601)".
        Assert.True(ConversationDate.TryParse(text, out var date), text);
        Assert.True(IsoDateTime.TryParse(text.Replace("  ", " ", StringComparison.Ordinal), out var iso));
        Assert.Equal((iso, iso.Offset), (date, date.Offset));
        Assert.Equal((2024, 5, 7, 14, 30), (date.Year, date.Month, date.Day, date.Hour, date.Minute));
    }

    [Fact]
    public void A_date_stamp_with_an_offset_keeps_it_so_relative_times_resolve_against_the_speakers_day()
    {
        // Parsed into UTC, 8 pm on 7 May at -07:00 became 3 am on 8 May, and "yesterday" said then resolved to 7 May.
        var evening = ConversationDate.Parse("2023-05-07T20:00:00-07:00");
        Assert.Equal((new DateTimeOffset(2023, 5, 8, 3, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(-7)), (evening, evening.Offset));
        Assert.Equal(new DateOnly(2023, 5, 6), Assert.Single(RelativeTimeResolver.Resolve("We went hiking yesterday.", evening)).From);
        Assert.Equal(TimeSpan.Zero, ConversationDate.Parse("1:56 pm on 8 May, 2023").Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sometime last spring")]
    [InlineData("13:56 pm on 8 May, 2023")]
    public void Rejects_what_is_not_a_date(string text)
    {
        Assert.False(ConversationDate.TryParse(text, out _));
        if (text.Length > 0)
        {
            var ex = Assert.Throws<FormatException>(() => ConversationDate.Parse(text));
            Assert.Contains("1:56 pm on 8 May, 2023", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("I went to a support group yesterday.", "yesterday", "2023-05-07", "2023-05-07", TimeGranularity.Day)]
    [InlineData("We did it the day before yesterday", "the day before yesterday", "2023-05-06", "2023-05-06", TimeGranularity.Day)]
    [InlineData("I ran a charity race two days ago", "two days ago", "2023-05-06", "2023-05-06", TimeGranularity.Day)]
    [InlineData("It happened 3 weeks ago", "3 weeks ago", "2023-04-17", "2023-04-23", TimeGranularity.Week)]
    [InlineData("Last week I painted a sunrise", "Last week", "2023-05-01", "2023-05-07", TimeGranularity.Week)]
    [InlineData("we went camping last weekend", "last weekend", "2023-05-06", "2023-05-07", TimeGranularity.Week)]
    [InlineData("I'm moving next month", "next month", "2023-06-01", "2023-06-30", TimeGranularity.Month)]
    [InlineData("a few months ago I started", "a few months ago", "2023-02-01", "2023-02-28", TimeGranularity.Month)]
    [InlineData("I graduated last year", "last year", "2022-01-01", "2022-12-31", TimeGranularity.Year)]
    [InlineData("last Friday was fun", "last Friday", "2023-05-05", "2023-05-05", TimeGranularity.Day)]
    [InlineData("on Monday I met her", "on Monday", "2023-05-01", "2023-05-01", TimeGranularity.Day)]
    [InlineData("see you next Monday", "next Monday", "2023-05-15", "2023-05-15", TimeGranularity.Day)]
    [InlineData("We went to the beach last summer", "last summer", "2022-06-01", "2022-08-31", TimeGranularity.Season)]
    [InlineData("in two weeks we fly", "in two weeks", "2023-05-22", "2023-05-28", TimeGranularity.Week)]
    public void Resolves_relative_expressions_against_the_session_date(string text, string expression, string from, string to, TimeGranularity granularity)
    {
        var t = Assert.Single(RelativeTimeResolver.Resolve(text, Anchor));
        Assert.Equal(expression, t.Expression);
        Assert.Equal(text.IndexOf(expression, StringComparison.Ordinal), t.Start);
        Assert.Equal(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), t.From);
        Assert.Equal(DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture), t.To);
        Assert.Equal(granularity, t.Granularity);
    }

    [Theory]
    [InlineData("we stayed up late last\nnight", "last\nnight", "2023-05-07", "2023-05-07")]
    [InlineData("it rained the  past week", "the  past week", "2023-05-01", "2023-05-07")]
    [InlineData("I met her a couple  of days ago", "a couple  of days ago", "2023-05-06", "2023-05-06")]
    [InlineData("we move in a\tfew weeks", "in a\tfew weeks", "2023-05-29", "2023-06-04")]
    [InlineData("I'll retire the \r\n coming year", "the \r\n coming year", "2024-01-01", "2024-12-31")]
    public void White_space_inside_an_expression_is_one_space(string text, string expression, string from, string to)
    {
        var t = Assert.Single(RelativeTimeResolver.Resolve(text, Anchor));
        Assert.Equal(expression, t.Expression);
        Assert.Equal(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), t.From);
        Assert.Equal(DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture), t.To);
    }

    [Theory]
    [InlineData("0001-01-01", "I graduated last year")]
    [InlineData("0001-06-15", "I graduated last year")]
    [InlineData("0001-01-01", "I went there yesterday")]
    [InlineData("0001-01-01", "we met the day before yesterday")]
    [InlineData("0001-02-15", "it was 2 months ago")]
    [InlineData("0001-01-01", "it was last winter")]
    [InlineData("9999-12-31", "see you tomorrow")]
    [InlineData("9999-12-31", "see you next year")]
    [InlineData("9999-12-31", "busy this week")]
    [InlineData("9999-12-31", "see you next Monday")]
    [InlineData("9999-12-31", "back this December, or this winter")]
    [InlineData("9999-06-01", "in 1000 years")]
    public void An_expression_outside_the_calendar_is_skipped(string said, string text)
    {
        var anchor = new DateTimeOffset(DateTime.Parse(said, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero);
        Assert.Empty(RelativeTimeResolver.Resolve(text, anchor));

        // What is inside it still resolves.
        Assert.Equal(DateOnly.FromDateTime(anchor.DateTime), Assert.Single(RelativeTimeResolver.Resolve(text + " and today", anchor)).From);
    }

    [Theory]
    [InlineData("2023-04-10", "this summer", "2023-06-01")] // between summers, the coming one is nearer
    [InlineData("2023-11-20", "this summer", "2023-06-01")] // the one just past is nearer
    [InlineData("2023-07-15", "this summer", "2023-06-01")] // inside it
    [InlineData("2023-11-10", "this winter", "2023-12-01")]
    [InlineData("2024-03-20", "this winter", "2023-12-01")]
    [InlineData("2023-04-10", "last summer", "2022-06-01")]
    [InlineData("2023-04-10", "next summer", "2023-06-01")]
    [InlineData("2023-07-15", "next summer", "2024-06-01")]
    public void This_season_between_two_is_the_nearer_one(string said, string expression, string from)
    {
        var anchor = new DateTimeOffset(DateTime.Parse(said, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero);
        var t = Assert.Single(RelativeTimeResolver.Resolve($"I'm going to Italy {expression}", anchor));
        Assert.Equal(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), t.From);
    }

    [Fact]
    public void Days_are_the_speaker_s_own_at_the_anchor_s_offset()
    {
        // 8 pm on 7 May in California is 3 am on 8 May in UTC: "yesterday" is 6 May.
        var evening = new DateTimeOffset(2023, 5, 7, 20, 0, 0, TimeSpan.FromHours(-7));
        Assert.Equal(new DateOnly(2023, 5, 6), Assert.Single(RelativeTimeResolver.Resolve("I went there yesterday", evening)).From);
    }

    [Fact]
    public void Annotates_each_expression_with_its_absolute_date_and_keeps_the_rest()
    {
        string text = "Yesterday I adopted a dog; last week I bought the leash.";
        Assert.Equal("Yesterday [7 May 2023] I adopted a dog; last week [the week of 1 May 2023] I bought the leash.", RelativeTimeResolver.Annotate(text, Anchor));
        Assert.Equal("No dates here.", RelativeTimeResolver.Annotate("No dates here.", Anchor));
    }

    [Fact]
    public void Describes_each_granularity_readably()
    {
        var found = RelativeTimeResolver.Resolve("yesterday, last month, last summer, last year", Anchor);
        Assert.Equal(["7 May 2023", "April 2023", "summer 2022", "2022"], found.Select(f => f.Describe()).ToArray());
    }
}

/// <summary>The cues time-aware ranking uses.</summary>
public sealed class TemporalCuesTests
{
    [Theory]
    [InlineData("I painted that sunrise last year", true)]
    [InlineData("We met two weeks ago", true)]
    [InlineData("See you on Friday", true)]
    [InlineData("It was back in 2019", true)]
    [InlineData("I love painting sunrises", false)]
    [InlineData("Maybe later", false)]
    public void Mentions_time(string text, bool expected) => Assert.Equal(expected, TemporalCues.MentionsTime(text));

    [Theory]
    [InlineData("We met in May", true)]
    [InlineData("See you on 8 May", true)]
    [InlineData("the 3rd of may was fun", true)]
    [InlineData("It was May, 2023", true)]
    [InlineData("may 8th works for me", true)]
    [InlineData("I think May was the best month", true)]
    [InlineData("Back in March we moved", true)]
    [InlineData("ever since march", true)]
    [InlineData("PARTY ON MAY 8", true)]
    [InlineData("You may want to call Bob", false)]
    [InlineData("May I ask you something?", false)]
    [InlineData("It may rain. May the best one win", false)]
    [InlineData("We may 3D print it", false)]
    [InlineData("Those 2 may help", false)]
    [InlineData("they march in the parade", false)]
    [InlineData("This may help", false)]
    [InlineData("ok\nMay I ask you something?", false)]
    [InlineData("ok\r\n  May I ask you something?", false)]
    [InlineData("ok\nthe trip in\nMay was great", true)]
    [InlineData("this may take a while", false)]
    public void May_and_march_are_months_only_where_a_date_is_meant(string text, bool expected) => Assert.Equal(expected, TemporalCues.MentionsTime(text));

    [Theory]
    [InlineData("When did Melanie paint a sunrise?", true)]
    [InlineData("What year did John move?", true)]
    [InlineData("How long ago was the trip?", true)]
    [InlineData("So when was the party?", true)]
    [InlineData("What did Melanie paint?", false)]
    [InlineData("Where does whenever live?", false)]
    public void Asks_when(string query, bool expected) => Assert.Equal(expected, TemporalCues.AsksWhen(query));
}
