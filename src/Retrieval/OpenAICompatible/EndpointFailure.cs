using System.ClientModel;
using AgentMem.Common.Http;

namespace AgentMem.Retrieval.OpenAICompatible;

/// <summary>
/// What went wrong with a call to an OpenAI-compatible endpoint, read from the exception the OpenAI SDK threw, in one
/// line: the status and the start of the body it answered (an error, or a success whose body could not be read), or that it
/// timed out or could not be reached. The chat client
/// and the embedding generator each turn it into the exception their callers already handle.
/// </summary>
/// <param name="Message">One line naming the endpoint and the failure.</param>
/// <param name="Status">The HTTP status answered, or null when there was no answer.</param>
/// <param name="TimedOut">Whether the last attempt ran out of time.</param>
internal sealed record EndpointFailure(string Message, HttpStatusCode? Status, bool TimedOut)
{
    /// <summary>
    /// Describes <paramref name="exception"/>, or returns null when it is not a failure of the endpoint (the caller's own
    /// cancellation, a bug): those propagate unchanged.
    /// </summary>
    /// <param name="exception">What the SDK threw.</param>
    /// <param name="endpoint">The URL called, for the message.</param>
    /// <param name="options">The timeout and retry count, for the message.</param>
    /// <param name="cancellationToken">The caller's token: a cancellation it asked for is not a failure.</param>
    public static EndpointFailure? From(Exception exception, Uri endpoint, OpenAICompatibleOptions options, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        // Every attempt threw (timeouts, refused connections): the pipeline aggregates them; the last one says enough.
        if (exception is AggregateException { InnerExceptions.Count: > 0 } all)
        {
            exception = all.InnerExceptions[^1];
        }

        string attempts = options.MaxRetries > 0
            ? string.Create(CultureInfo.InvariantCulture, $" (gave up after {options.MaxRetries + 1} attempts)")
            : string.Empty;
        switch (exception)
        {
            case UnusableAnswerException unusable:
                return new($"{endpoint} {unusable.Message}.", (HttpStatusCode)unusable.Status, false);
            case ClientResultException { Status: > 0 } answered:
                var status = (HttpStatusCode)answered.Status;
                var response = answered.GetRawResponse();
                string body = response?.Content?.ToString() ?? string.Empty;

                // A retryable status reaches the caller only once every retry is spent.
                string after = RetryTiming.IsRetryable(status) ? attempts : string.Empty;
                return new(string.Create(CultureInfo.InvariantCulture, $"{endpoint} answered {answered.Status} {response?.ReasonPhrase}: {OneLine(body)}{after}."), status, false);
            case OperationCanceledException:
                return new(string.Create(CultureInfo.InvariantCulture, $"{endpoint} did not answer within {options.Timeout.TotalSeconds:0.###} s{attempts}."), null, true);
            case ClientResultException or HttpRequestException or IOException:
                string reason = exception.InnerException is HttpRequestException inner ? inner.Message : exception.Message;
                return new($"{endpoint} could not be reached: {OneLine(reason)}{attempts}.", null, false);
            default:
                return null;
        }
    }

    /// <summary>The text clipped to 300 characters on one line, so a host can print it as a one-line error.</summary>
    public static string OneLine(string text)
    {
        string flat = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return flat.Length <= 300 ? flat : flat[..300] + "…";
    }
}
