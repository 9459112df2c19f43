using System.ClientModel;
using AgentMem.Common.Http;

namespace AgentMem.Retrieval.OpenAICompatible;

/// <summary>
/// The OpenAI SDK pipeline's retry policy, replaced (not stacked) so that its retries follow AgentMem's one rule,
/// <see cref="RetryTiming"/>: 429 and 5xx answers, timeouts and connection failures are retried with exponential backoff
/// honouring a longer Retry-After; other answers and the caller's cancellation end at once.
/// </summary>
internal sealed class RetryTimingPolicy : ClientRetryPolicy
{
    private readonly int _maxRetries;
    private readonly TimeSpan _firstDelay;
    private readonly TimeSpan _maxDelay;

    /// <summary>Creates the policy from the options' retry settings.</summary>
    public RetryTimingPolicy(OpenAICompatibleOptions options)
        : base(options.MaxRetries)
    {
        _maxRetries = options.MaxRetries;
        _firstDelay = options.FirstRetryDelay;
        _maxDelay = options.MaxRetryDelay;
    }

    /// <inheritdoc/>
    protected override void OnSendingRequest(PipelineMessage message) => message.SetProperty(typeof(RetryTimingPolicy), Retries(message) + 1);

    /// <inheritdoc/>
    protected override ValueTask OnSendingRequestAsync(PipelineMessage message)
    {
        OnSendingRequest(message);
        return default;
    }

    /// <inheritdoc/>
    protected override bool ShouldRetry(PipelineMessage message, Exception? exception)
    {
        if (Retries(message) >= _maxRetries)
        {
            return false;
        }

        if (exception is null)
        {
            return message.Response is { } response && RetryTiming.IsRetryable((HttpStatusCode)response.Status);
        }

        // The caller's cancellation is final; the pipeline's own per-try timeout surfaces as a cancellation too, and is retried.
        return !message.CancellationToken.IsCancellationRequested
            && exception is ClientResultException or HttpRequestException or IOException or OperationCanceledException;
    }

    /// <inheritdoc/>
    protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount)
    {
        TimeSpan? retryAfter = message.Response is { } response && response.Headers.TryGetValue("Retry-After", out string? value)
            ? RetryTiming.ParseRetryAfter(value, DateTimeOffset.UtcNow)
            : null;

        return RetryTiming.Delay(Retries(message), _firstDelay, _maxDelay, retryAfter, Random.Shared);
    }

    // Retries made so far (0 while the first attempt is out), kept on the message because the SDK's own count is internal.
    // Before the first send nothing is stored, which reads as -1 so that the first send stores 0.
    private static int Retries(PipelineMessage message) =>
        message.TryGetProperty(typeof(RetryTimingPolicy), out object? value) && value is int retries ? retries : -1;
}
