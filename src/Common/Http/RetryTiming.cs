using System.Globalization;
using System.Net;

namespace AgentMem.Common.Http;

/// <summary>
/// When an HTTP call to a model service is worth retrying, and how long to wait: 429 and 5xx answers (and failures to
/// connect or time out, decided by the caller) are retried with exponential backoff, honouring a longer Retry-After,
/// capped and spread at random; other 4xx answers are the caller's mistake and fail at once. One policy for every client in AgentMem.
/// </summary>
public static class RetryTiming
{
    /// <summary>Whether an answer with <paramref name="status"/> may succeed if sent again.</summary>
    public static bool IsRetryable(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>The wait before retry number <paramref name="attempt"/> + 1 (0: after the first failure).</summary>
    /// <param name="attempt">Failed attempts so far, minus one (0 for the first retry).</param>
    /// <param name="baseDelay">The first wait; each later one doubles.</param>
    /// <param name="maxDelay">The longest wait.</param>
    /// <param name="retryAfter">The server's Retry-After, used when longer than the backoff (still capped).</param>
    /// <param name="jitter">
    /// When given, the backoff is drawn from its upper half (between half of it and all of it) so that clients which
    /// failed together do not retry in step; a Retry-After is honoured as it is. Null: the exact backoff (tests).
    /// </param>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, TimeSpan? retryAfter = null, Random? jitter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        // Capped before it is made: base × 2^30 can pass TimeSpan's range (a base of a day), which threw instead of waiting the cap.
        double factor = Math.Pow(2, Math.Min(attempt, 30));
        TimeSpan delay = baseDelay.Ticks >= maxDelay.Ticks / factor ? maxDelay : baseDelay * factor;
        if (jitter is not null)
        {
            delay *= 0.5 + (jitter.NextDouble() / 2);
        }

        if (retryAfter is { } after && after > delay)
        {
            delay = after;
        }

        return delay < maxDelay ? delay : maxDelay;
    }

    /// <summary>
    /// A Retry-After header's wait: delta-seconds or an HTTP date (RFC 9110); null when absent or unreadable.
    /// A date in the past is no wait.
    /// </summary>
    /// <param name="value">The header's value.</param>
    /// <param name="now">The current time, for the date form.</param>
    public static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, int.MaxValue));
        }

        if (DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date))
        {
            return date > now ? date - now : TimeSpan.Zero;
        }

        return null;
    }
}
