namespace AgentMem.Retrieval.OpenAICompatible;

/// <summary>
/// Where an OpenAI-compatible service is (OpenAI, Ollama, vLLM, llama.cpp server) and how hard to try it: the settings
/// <see cref="OpenAICompatibleClients"/> builds a chat client or an embedding generator from.
/// </summary>
public sealed class OpenAICompatibleOptions
{
    /// <summary>
    /// The API base, e.g. <c>https://api.openai.com/v1</c>, <c>http://localhost:11434/v1</c> (Ollama) or
    /// <c>http://localhost:8000/v1</c> (vLLM, llama.cpp server); <c>/chat/completions</c> or <c>/embeddings</c> is appended.
    /// </summary>
    public required Uri BaseUrl { get; set; }

    /// <summary>The model name sent with each request.</summary>
    public required string Model { get; set; }

    /// <summary>Bearer key, or null for servers that need none (then no Authorization header is sent).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Time allowed for one attempt (default 120 s); for a streamed answer, for each wait on the stream.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Retries after the first attempt on 429, 5xx, timeouts and connection failures (default 3).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Wait before the first retry, doubled each time (default 500 ms); a longer Retry-After wins, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between attempts (default 30 s).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Embeddings only: inputs per request (default 64); longer lists are sent in several requests.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>
    /// Embeddings only: the expected length, sent as <c>dimensions</c> and checked on every answer. Null: whatever the
    /// first answer has, then checked for consistency.
    /// </summary>
    public int? Dimensions { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttp && BaseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{nameof(BaseUrl)} must be an absolute http(s) URL; got '{BaseUrl}'.", nameof(BaseUrl));
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            throw new ArgumentException($"{nameof(Model)} must name a model.", nameof(Model));
        }

        OptionsGuard.Positive(Timeout);
        OptionsGuard.Positive(FirstRetryDelay);
        OptionsGuard.Positive(MaxRetryDelay);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        if (Dimensions is { } dimensions)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions, nameof(Dimensions));
        }
    }
}
