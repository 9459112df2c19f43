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
    /// <remarks>
    /// For embeddings, stored vectors are kept under this name and <see cref="Dimensions"/> (not the endpoint): a server
    /// that ignores the name (llama.cpp server) and now serves another model needs another name here, or the cubes
    /// re-embedded (<c>index rebuild</c>). A search whose query vector has another length than the stored ones fails and
    /// says so; one of the same length cannot be told from the old model's.
    /// </remarks>
    public required string Model { get; set; }

    /// <summary>Bearer key, or null for servers that need none (then no Authorization header is sent).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Time allowed for one attempt (default 120 s); for a streamed answer, for each wait on the stream.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Retries after the first attempt on 429, 5xx, timeouts and connection failures (default 3).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Wait before the first retry, doubled each time (default 500 ms) and drawn at random between half of it and all of it; a longer Retry-After wins, up to <see cref="MaxRetryDelay"/>.</summary>
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

    /// <summary>
    /// Default <see cref="MaxInputCharacters"/>: 2,700, which no model reading 8,192 tokens (OpenAI's text-embedding-3 and
    /// ada-002) can be sent too much of, whatever the script: a byte-level tokenizer makes at most one token per UTF-8
    /// byte and a UTF-16 character is at most three bytes, so at most 8,100 tokens, with room for special tokens.
    /// </summary>
    public const int DefaultMaxInputCharacters = 2_700;

    /// <summary>
    /// Embeddings only: the longest input sent, in UTF-16 characters (default <see cref="DefaultMaxInputCharacters"/>, at
    /// least 2). A longer one is sent as its first that many characters (leading white space dropped, a surrogate pair
    /// never split), since a memory may hold megabytes and an endpoint refuses, rather than cuts, an input past its model's
    /// window (OpenAI answers 400), which would fail every search of the memory's cube.
    /// </summary>
    /// <remarks>
    /// Little is lost by the cut: a long memory also gets one vector per passage (each far under the limit with the
    /// default passage sizes), and the local ONNX embedders read at most 512 tokens (all-MiniLM-L6-v2 256, its card's max_seq_length), about 1,000 to
    /// 2,000 characters of English.
    /// Raise it for a model with a larger window or text known to be English (about 4 characters a token); lower it for a
    /// shorter window, such as a 512-token model behind vLLM or llama.cpp server, which refuse longer inputs too.
    /// </remarks>
    public int MaxInputCharacters { get; set; } = DefaultMaxInputCharacters;

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
        // One character could be the first half of a surrogate pair, which a cut leaves out: nothing would be sent.
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInputCharacters, 2, nameof(MaxInputCharacters));
        if (Dimensions is { } dimensions)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions, nameof(Dimensions));
        }
    }
}
