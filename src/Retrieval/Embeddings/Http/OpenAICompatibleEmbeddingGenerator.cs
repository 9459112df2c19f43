using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentMem.Common.Http;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Embeddings.Http;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over any OpenAI-compatible <c>POST /embeddings</c>
/// endpoint (OpenAI, Ollama, vLLM, llama.cpp server): inputs are sent in batches, answers are put back in
/// input order by their <c>index</c>, 429/5xx/timeouts/connection failures are retried with exponential
/// backoff, other 4xx fail at once, and every answer is checked (count, indexes, dimension, finite values).
/// </summary>
public sealed class OpenAICompatibleEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly OpenAICompatibleEmbeddingOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _endpoint;
    private int _dimension;

    /// <summary>Creates the generator; pass <paramref name="httpClient"/> to share a handler (it is not disposed here).</summary>
    public OpenAICompatibleEmbeddingGenerator(OpenAICompatibleEmbeddingOptions options, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.BaseUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Model);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries, nameof(options));
        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Timeout, "Timeout must be positive.");
        }

        if (options.Dimensions is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Dimensions, "Dimensions must be positive.");
        }

        _options = options;
        _ownsHttp = httpClient is null;

        // Our own per-attempt timeout applies; the client's must not cut retries short.
        _http = httpClient ?? new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _endpoint = new Uri(options.BaseUrl.ToString().TrimEnd('/') + "/embeddings");
        _dimension = options.Dimensions ?? 0;
        Metadata = new EmbeddingGeneratorMetadata("openai-compatible", options.BaseUrl, options.Model, options.Dimensions);
    }

    /// <summary>Provider, base URL, model and (if configured) dimension.</summary>
    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <inheritdoc />
    /// <exception cref="EmbeddingInputException">An input is null or empty.</exception>
    /// <exception cref="EmbeddingServiceException">The service failed after retries, refused the request, or answered something unusable.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = new List<string>(values);
        for (int i = 0; i < inputs.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(inputs[i]))
            {
                // OpenAI rejects empty strings with a 400; saying which input is more useful.
                throw new EmbeddingInputException(string.Create(CultureInfo.InvariantCulture, $"Input {i} is empty or whitespace; there is nothing to embed."));
            }
        }

        string model = options?.ModelId ?? _options.Model;
        int? dimensions = options?.Dimensions ?? _options.Dimensions;
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Count);
        long promptTokens = 0;
        bool anyUsage = false;
        for (int start = 0; start < inputs.Count; start += _options.BatchSize)
        {
            int count = Math.Min(_options.BatchSize, inputs.Count - start);
            string body = BuildRequest(model, inputs.GetRange(start, count), dimensions);
            string answer = await PostWithRetriesAsync(body, cancellationToken).ConfigureAwait(false);
            (float[][] vectors, long? tokens) = ParseResponse(answer, count, dimensions);
            if (tokens is long t)
            {
                promptTokens += t;
                anyUsage = true;
            }

            DateTimeOffset now = DateTimeOffset.UtcNow;
            foreach (float[] vector in vectors)
            {
                result.Add(new Embedding<float>(vector) { ModelId = model, CreatedAt = now });
            }
        }

        if (anyUsage)
        {
            result.Usage = new UsageDetails { InputTokenCount = promptTokens, TotalTokenCount = promptTokens };
        }

        return result;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static string BuildRequest(string model, List<string> inputs, int? dimensions)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteStartArray("input");
            foreach (string input in inputs)
            {
                writer.WriteStringValue(input);
            }

            writer.WriteEndArray();
            // No encoding_format: float is every server's default and some older servers reject the field.
            if (dimensions is int d)
            {
                writer.WriteNumber("dimensions", d);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private async Task<string> PostWithRetriesAsync(string body, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptCts.CancelAfter(_options.Timeout);
            string failure;
            TimeSpan? retryAfter = null;
            HttpStatusCode? status = null;
            Exception? cause = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                if (!string.IsNullOrEmpty(_options.ApiKey))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
                }

                using HttpResponseMessage response = await _http.SendAsync(request, attemptCts.Token).ConfigureAwait(false);
                string text = await response.Content.ReadAsStringAsync(attemptCts.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return text;
                }

                status = response.StatusCode;
                failure = string.Create(CultureInfo.InvariantCulture, $"answered {(int)response.StatusCode} {response.ReasonPhrase}: {Clip(text)}");
                if (!RetryTiming.IsRetryable(response.StatusCode))
                {
                    throw new EmbeddingServiceException($"The embedding endpoint {_endpoint} {failure}", status);
                }

                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = string.Create(CultureInfo.InvariantCulture, $"did not answer within {_options.Timeout.TotalSeconds:0.###} s");
                cause = ex;
            }
            catch (HttpRequestException ex)
            {
                failure = "could not be reached: " + ex.Message;
                cause = ex;
            }

            if (attempt >= _options.MaxRetries)
            {
                throw new EmbeddingServiceException(string.Create(CultureInfo.InvariantCulture, $"The embedding endpoint {_endpoint} {failure} (gave up after {attempt + 1} attempts)."), status, cause);
            }

            await Task.Delay(RetryTiming.Delay(attempt, _options.RetryBaseDelay, _options.MaxRetryDelay, retryAfter), cancellationToken).ConfigureAwait(false);
        }
    }

    private (float[][] Vectors, long? Tokens) ParseResponse(string text, int count, int? dimensions)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
            {
                throw Bad("has no 'data' array");
            }

            if (data.GetArrayLength() != count)
            {
                throw Bad(string.Create(CultureInfo.InvariantCulture, $"has {data.GetArrayLength()} embeddings for {count} inputs"));
            }

            var vectors = new float[count][];
            int position = 0;
            foreach (JsonElement item in data.EnumerateArray())
            {
                // Servers may omit the index (some llama.cpp builds); then the array order is the input order.
                int index = item.TryGetProperty("index", out JsonElement ix) && ix.ValueKind == JsonValueKind.Number ? ix.GetInt32() : position;
                if (index < 0 || index >= count || vectors[index] is not null)
                {
                    throw Bad(string.Create(CultureInfo.InvariantCulture, $"has an out-of-range or repeated index {index}"));
                }

                if (!item.TryGetProperty("embedding", out JsonElement embedding) || embedding.ValueKind != JsonValueKind.Array)
                {
                    throw Bad(string.Create(CultureInfo.InvariantCulture, $"has no float 'embedding' array at index {index} (base64 answers are not supported)"));
                }

                vectors[index] = ReadVector(embedding, index, dimensions);
                position++;
            }

            long? tokens = root.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object
                && usage.TryGetProperty("prompt_tokens", out JsonElement pt) && pt.ValueKind == JsonValueKind.Number ? pt.GetInt64() : null;
            return (vectors, tokens);
        }
        catch (JsonException ex)
        {
            throw new EmbeddingServiceException($"The embedding endpoint {_endpoint} answered something that is not JSON: {Clip(text)}", ex);
        }
        catch (FormatException ex)
        {
            throw new EmbeddingServiceException($"The embedding endpoint {_endpoint} answered a malformed number: {ex.Message}", ex);
        }
    }

    private float[] ReadVector(JsonElement embedding, int index, int? dimensions)
    {
        int length = embedding.GetArrayLength();
        int expected = dimensions ?? _dimension;
        if (length == 0 || (expected != 0 && length != expected))
        {
            throw Bad(string.Create(CultureInfo.InvariantCulture, $"has a {length}-dimensional embedding at index {index}; expected {(expected == 0 ? "a non-empty one" : expected.ToString(CultureInfo.InvariantCulture))}"));
        }

        var vector = new float[length];
        int i = 0;
        foreach (JsonElement v in embedding.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number)
            {
                throw Bad(string.Create(CultureInfo.InvariantCulture, $"has a non-number at index {index}, element {i}"));
            }

            float value = v.GetSingle();
            if (!float.IsFinite(value))
            {
                throw Bad(string.Create(CultureInfo.InvariantCulture, $"has a non-finite value at index {index}, element {i}"));
            }

            vector[i++] = value;
        }

        if (dimensions is null && _dimension == 0)
        {
            // The first answer fixes the dimension; a server that later changes it is misconfigured.
            Interlocked.CompareExchange(ref _dimension, length, 0);
        }

        return vector;
    }

    private EmbeddingServiceException Bad(string what) => new($"The embedding endpoint {_endpoint} answer {what}.");

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
