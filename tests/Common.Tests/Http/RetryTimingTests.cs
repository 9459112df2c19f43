using System.Net;
using AgentMem.Common.Http;

namespace AgentMem.Common.Tests.Http;

public sealed class RetryTimingTests
{
    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    public void Only_throttling_and_server_errors_are_retried(HttpStatusCode status, bool retryable) =>
        Assert.Equal(retryable, RetryTiming.IsRetryable(status));

    [Fact]
    public void Waits_double_honour_a_longer_retry_after_and_stop_at_the_cap()
    {
        var first = TimeSpan.FromMilliseconds(500);
        var cap = TimeSpan.FromSeconds(5);
        Assert.Equal([500, 1000, 2000, 4000, 5000, 5000], Enumerable.Range(0, 6).Select(a => RetryTiming.Delay(a, first, cap).TotalMilliseconds));
        Assert.Equal(3000, RetryTiming.Delay(0, first, cap, TimeSpan.FromSeconds(3)).TotalMilliseconds);
        Assert.Equal(1000, RetryTiming.Delay(1, first, cap, TimeSpan.FromMilliseconds(10)).TotalMilliseconds); // a shorter Retry-After does not shorten the backoff
        Assert.Equal(5000, RetryTiming.Delay(0, first, cap, TimeSpan.FromMinutes(10)).TotalMilliseconds);
        Assert.Equal(5000, RetryTiming.Delay(200, first, cap).TotalMilliseconds); // no overflow for a long run of failures
        Assert.Equal(TimeSpan.FromMinutes(1), RetryTiming.Delay(40, TimeSpan.FromDays(1), TimeSpan.FromMinutes(1))); // a day × 2^30 passes TimeSpan's range
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryTiming.Delay(-1, first, cap));
    }

    [Fact]
    public void Jittered_waits_spread_over_the_upper_half_and_never_pass_the_cap_or_undercut_retry_after()
    {
        var first = TimeSpan.FromMilliseconds(100);
        var cap = TimeSpan.FromSeconds(2);
        var random = new Random(7);
        var waits = Enumerable.Range(0, 200).Select(_ => RetryTiming.Delay(3, first, cap, jitter: random)).ToList();
        Assert.All(waits, w => Assert.InRange(w.TotalMilliseconds, 400, 800));
        Assert.True(waits.Distinct().Count() > 100, "two clients that failed together must not retry in step");

        // At the cap, the spread stays below it (the PostgreSQL store used to add up to half again, past RetryMaxDelay).
        Assert.All(Enumerable.Range(0, 200).Select(_ => RetryTiming.Delay(20, first, cap, jitter: random)), w => Assert.InRange(w.TotalMilliseconds, 1000, 2000));

        // The server's Retry-After is what it asked for, not less.
        Assert.All(Enumerable.Range(0, 50).Select(_ => RetryTiming.Delay(0, first, cap, TimeSpan.FromSeconds(1.5), random)), w => Assert.Equal(1500, w.TotalMilliseconds));
    }

    [Fact]
    public void Retry_after_is_read_as_seconds_or_an_http_date()
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(7), RetryTiming.ParseRetryAfter("7", now));
        Assert.Equal(TimeSpan.FromSeconds(30), RetryTiming.ParseRetryAfter("Sun, 01 Mar 2026 12:00:30 GMT", now));
        Assert.Equal(TimeSpan.Zero, RetryTiming.ParseRetryAfter("Sun, 01 Mar 2026 11:00:00 GMT", now)); // already past
        Assert.Null(RetryTiming.ParseRetryAfter(null, now));
        Assert.Null(RetryTiming.ParseRetryAfter("soon", now));
        Assert.Null(RetryTiming.ParseRetryAfter("-3", now));
    }
}
