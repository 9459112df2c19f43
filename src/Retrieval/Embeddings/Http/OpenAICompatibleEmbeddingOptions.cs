namespace AgentMem.Retrieval.Embeddings.Http;

/// <summary>Settings of <see cref="OpenAICompatibleEmbeddingGenerator"/>.</summary>
public sealed class OpenAICompatibleEmbeddingOptions
{
    /// <summary>The API base, e.g. <c>https://api.openai.com/v1</c>, <c>http://localhost:11434/v1</c> (Ollama) or <c>http://localhost:8000/v1</c> (vLLM, llama.cpp server); <c>/embeddings</c> is appended.</summary>
    public required Uri BaseUrl { get; set; }

    /// <summary>The model name sent with each request.</summary>
    public required string Model { get; set; }

    /// <summary>Bearer key, or null for servers that need none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Inputs per request (default 64).</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Time allowed for one request attempt (default 60 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after the first attempt on 429, 5xx, timeouts and connection failures (default 3).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Delay before the first retry, doubled each time (default 500 ms); a Retry-After header wins when longer, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between attempts (default 30 s).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Expected embedding length; sent as <c>dimensions</c> and checked on every answer. Null: whatever the first answer has, then checked for consistency.</summary>
    public int? Dimensions { get; set; }
}
