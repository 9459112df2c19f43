using AgentMem.MemoryCore.Time;

namespace AgentMem.MemoryCore.Tests.Time;

public sealed class IsoDateTimeTests
{
    [Theory]
    [InlineData("2024-05-07", "2024-05-07T00:00:00.0000000+00:00")]
    [InlineData(" 2024-05-07T14:30 ", "2024-05-07T14:30:00.0000000+00:00")]
    [InlineData("2024-05-07T14:30:15Z", "2024-05-07T14:30:15.0000000+00:00")]
    [InlineData("2024-05-07 14:30:15.25+02:00", "2024-05-07T14:30:15.2500000+02:00")]
    [InlineData("2024-05-07t14:30:15-07:00", "2024-05-07T14:30:15.0000000-07:00")]
    [InlineData("2024-05-07T14:30:15+0200", "2024-05-07T14:30:15.0000000+02:00")] // the offset's other ISO forms
    [InlineData("2024-05-07T14:30+02", "2024-05-07T14:30:00.0000000+02:00")]
    public void Iso_8601_dates_and_times_are_read_with_their_offset_or_as_utc(string text, string expected)
    {
        Assert.True(IsoDateTime.TryParse(text, out var value));
        Assert.Equal(expected, value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("05/07/2023")] // the invariant culture reads 7 May; a European writes 5 July
    [InlineData("07.05.2023")]
    [InlineData("May 7, 2023")]
    [InlineData("Monday, 7 May 2023")]
    [InlineData("2023-02-30")]
    [InlineData("2023-5-7")]
    [InlineData("2024-05-07Z")]
    [InlineData("2024-05-07T10:00+15:00")] // no offset is over 14 hours: not a range problem
    [InlineData("")]
    [InlineData(null)]
    public void Anything_else_is_refused(string? text)
    {
        Assert.False(IsoDateTime.TryParse(text, out _));
        Assert.False(IsoDateTime.IsOutOfRange(text));
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59-05:00")] // 05:00 on 10000-01-01 in UTC
    [InlineData("0001-01-01T00:30+01:00")]
    [InlineData("0001-01-01 00:00:00+14:00")]
    public void A_real_date_time_whose_instant_is_past_the_supported_range_is_told_apart(string text)
    {
        // It has the ISO shape and names a real day, so "not an ISO-8601 date" told the caller to write what it had written.
        Assert.False(IsoDateTime.TryParse(text, out _));
        Assert.True(IsoDateTime.IsOutOfRange(text));
    }

    [Theory]
    [InlineData("9999-12-31")]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("9999-12-31T08:00+09:00")]
    [InlineData("0001-01-01T00:30-01:00")]
    public void The_ends_of_the_range_are_in_it(string text)
    {
        Assert.True(IsoDateTime.TryParse(text, out _));
        Assert.False(IsoDateTime.IsOutOfRange(text));
    }
}
