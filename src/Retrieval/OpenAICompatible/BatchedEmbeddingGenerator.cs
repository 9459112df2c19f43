using AgentMem.Common.Text;
using AgentMem.Retrieval.Embeddings;
using OpenAI.Embeddings;

namespace AgentMem.Retrieval.OpenAICompatible;

/// <summary>
/// The embedding generator over the OpenAI SDK's <see cref="EmbeddingClient"/>, doing what the SDK leaves to its caller:
/// long input lists split into requests of <see cref="OpenAICompatibleOptions.BatchSize"/> (the SDK sends everything in
/// one request, which servers cap), empty inputs refused before any request, inputs longer than
/// <see cref="OpenAICompatibleOptions.MaxInputCharacters"/> cut (servers refuse them whole), answers put in input order
/// by their <c>index</c>, every answer checked (one embedding per input, one dimension throughout, finite values), and
/// failures raised as <see cref="EmbeddingServiceException"/>, which the hosts report as one line.
/// </summary>
/// <remarks>
/// Not the M.E.AI adapter (<c>AsIEmbeddingGenerator</c>): it copies the SDK's answer in array order and drops each
/// embedding's <c>index</c>, so an answer out of input order (which the OpenAI API allows: the index says which input a
/// vector belongs to) would silently give inputs each other's vectors. Reading the SDK's collection here keeps the index.
/// </remarks>
internal sealed class BatchedEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingClient _client;
    private readonly Uri _endpoint;
    private readonly OpenAICompatibleOptions _options;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private int _dimension;

    /// <summary>Generates with <paramref name="client"/>, which calls <paramref name="endpoint"/> with <paramref name="options"/>.</summary>
    public BatchedEmbeddingGenerator(EmbeddingClient client, Uri endpoint, OpenAICompatibleOptions options)
    {
        _client = client;
        _endpoint = endpoint;
        _options = options;
        _dimension = options.Dimensions ?? 0;
        _metadata = new EmbeddingGeneratorMetadata("openai-compatible", options.BaseUrl, options.Model, options.Dimensions);
    }

    /// <inheritdoc/>
    /// <exception cref="EmbeddingInputException">An input is null, empty or whitespace.</exception>
    /// <exception cref="NotSupportedException"><paramref name="options"/> names a model other than the configured one.</exception>
    /// <exception cref="EmbeddingServiceException">The service failed after retries, refused the request, or answered something unusable.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
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

            inputs[i] = Clip(inputs[i], _options.MaxInputCharacters);
        }

        if (options?.ModelId is { } model && model != _options.Model)
        {
            // The SDK's embedding client is bound to one model; sending another would need another client.
            throw new NotSupportedException($"This generator embeds with '{_options.Model}'; create another for '{model}'.");
        }

        int? dimensions = options?.Dimensions ?? _options.Dimensions;
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Count);
        long inputTokens = 0;
        for (int start = 0; start < inputs.Count; start += _options.BatchSize)
        {
            int count = Math.Min(_options.BatchSize, inputs.Count - start);
            var (batch, response) = await SendAsync(inputs.GetRange(start, count), dimensions, cancellationToken).ConfigureAwait(false);
            if (batch.Count != count)
            {
                // Some proxies and servers answer 200 with an error object, which the SDK reads as no embeddings: their
                // message ("model not found") says what is wrong, a count mismatch does not.
                if (ErrorIn(response) is { } error)
                {
                    throw new EmbeddingServiceException(string.Create(CultureInfo.InvariantCulture, $"The embedding endpoint {_endpoint} answered {response.Status} with an error: {EndpointFailure.OneLine(error)}."));
                }

                throw Bad(string.Create(CultureInfo.InvariantCulture, $"has {batch.Count} embeddings for {count} inputs"));
            }

            var ordered = new Embedding<float>?[count];
            DateTimeOffset now = DateTimeOffset.UtcNow;
            foreach (OpenAIEmbedding answer in batch)
            {
                if (answer.Index < 0 || answer.Index >= count || ordered[answer.Index] is not null)
                {
                    throw Bad(string.Create(CultureInfo.InvariantCulture, $"has an out-of-range or repeated index {answer.Index}"));
                }

                ReadOnlyMemory<float> vector = answer.ToFloats();
                Check(vector.Span, answer.Index, options?.Dimensions);
                ordered[answer.Index] = new Embedding<float>(vector) { ModelId = batch.Model ?? _options.Model, CreatedAt = now };
            }

            result.AddRange(ordered!);
            inputTokens += batch.Usage?.InputTokenCount ?? 0;
        }

        if (inputTokens > 0)
        {
            result.Usage = new UsageDetails { InputTokenCount = inputTokens, TotalTokenCount = inputTokens };
        }

        return result;
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType == typeof(EmbeddingClient) ? _client
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // The SDK client holds no resources of its own: its pipeline shares a process-wide HttpClient.
    }

    private async Task<(OpenAIEmbeddingCollection Batch, PipelineResponse Response)> SendAsync(List<string> batch, int? dimensions, CancellationToken cancellationToken)
    {
        try
        {
            var request = new OpenAI.Embeddings.EmbeddingGenerationOptions { Dimensions = dimensions };
            var answer = await _client.GenerateEmbeddingsAsync(batch, request, cancellationToken).ConfigureAwait(false);
            return (answer.Value, answer.GetRawResponse());
        }
        catch (Exception ex) when (EndpointFailure.From(ex, _endpoint, _options, cancellationToken) is { } failure)
        {
            throw new EmbeddingServiceException("The embedding endpoint " + failure.Message, failure.Status, ex);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or System.Text.Json.JsonException or KeyNotFoundException && !cancellationToken.IsCancellationRequested)
        {
            // The SDK could not read a successful answer's body.
            throw new EmbeddingServiceException($"The embedding endpoint {_endpoint} answered something unusable: {EndpointFailure.OneLine(ex.Message)}", ex);
        }
    }

    /// <summary>
    /// The <c>error</c> member of an answer's body: its <c>message</c> when it has one, the string itself, or its JSON;
    /// null when the body has none (or is not a JSON object).
    /// </summary>
    private static string? ErrorIn(PipelineResponse response)
    {
        try
        {
            using var body = System.Text.Json.JsonDocument.Parse(response.Content.ToMemory());
            if (body.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object || !body.RootElement.TryGetProperty("error", out var error)
                || error.ValueKind == System.Text.Json.JsonValueKind.Null)
            {
                return null;
            }

            return error.ValueKind == System.Text.Json.JsonValueKind.String ? error.GetString()
                : error.ValueKind == System.Text.Json.JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == System.Text.Json.JsonValueKind.String ? message.GetString()
                : error.GetRawText();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// <paramref name="input"/>, or, when longer than <paramref name="maxChars"/>, its first <paramref name="maxChars"/>
    /// characters after any leading white space (so the cut of a non-blank input is never blank).
    /// </summary>
    private static string Clip(string input, int maxChars) =>
        input.Length <= maxChars ? input : TextClip.Prefix(input.AsSpan().TrimStart(), maxChars).ToString();

    private void Check(ReadOnlySpan<float> vector, int index, int? requested)
    {
        int expected = requested ?? Volatile.Read(ref _dimension);
        if (vector.Length == 0 || (expected != 0 && vector.Length != expected))
        {
            throw Bad(string.Create(CultureInfo.InvariantCulture, $"has a {vector.Length}-dimensional embedding at index {index}; expected {(expected == 0 ? "a non-empty one" : expected.ToString(CultureInfo.InvariantCulture))}"));
        }

        for (int i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                throw Bad(string.Create(CultureInfo.InvariantCulture, $"has a non-finite value at index {index}, element {i}"));
            }
        }

        if (requested is null)
        {
            // The first answer fixes the dimension; a server that later changes it is misconfigured.
            Interlocked.CompareExchange(ref _dimension, vector.Length, 0);
        }
    }

    private EmbeddingServiceException Bad(string what) => new($"The embedding endpoint {_endpoint} answer {what}.");
}
