using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using AgentMem.Common.Http;
using Microsoft.Extensions.AI;

namespace AgentMem.Benchmarks.Qa;

/// <summary>
/// A minimal <see cref="IChatClient"/> for any OpenAI-compatible <c>/chat/completions</c> endpoint
/// (OpenAI, Ollama, vLLM, llama.cpp server): non-streaming requests, temperature from the options,
/// retries with backoff on 429 and 5xx, and a per-request timeout.
/// </summary>
public sealed class OpenAICompatibleChatClient : IChatClient
{
    private const int MaxAttempts = 4;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    private readonly HttpClient http;
    private readonly Uri endpoint;
    private readonly string model;
    private readonly ChatClientMetadata metadata;

    /// <summary>Creates the client.</summary>
    /// <param name="baseUrl">The API base, e.g. <c>http://localhost:11434/v1</c>.</param>
    /// <param name="model">The model name sent with each request.</param>
    /// <param name="apiKey">Bearer key, or null for servers that need none.</param>
    /// <param name="timeout">Per-request timeout (default 120 s).</param>
    public OpenAICompatibleChatClient(Uri baseUrl, string model, string? apiKey = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        string root = baseUrl.ToString().TrimEnd('/');
        endpoint = new Uri(root + "/chat/completions");
        this.model = model;
        http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(120) };
        if (!string.IsNullOrEmpty(apiKey))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        metadata = new ChatClientMetadata("openai-compatible", baseUrl, model);
    }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string body = BuildRequest(messages, options);
        for (int attempt = 1; ; attempt++)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(endpoint, content, cancellationToken).ConfigureAwait(false);
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return ParseResponse(text);
            }

            if (!RetryTiming.IsRetryable(response.StatusCode) || attempt == MaxAttempts)
            {
                throw new HttpRequestException($"Chat endpoint {endpoint} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Clip(text)}", null, response.StatusCode);
            }

            await Task.Delay(RetryTiming.Delay(attempt - 1, FirstRetryDelay, MaxRetryDelay, response.Headers.RetryAfter?.Delta), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Answers here are a few words: one non-streamed response delivered as a single update is enough.
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(metadata) ? metadata
            : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc/>
    public void Dispose() => http.Dispose();

    private string BuildRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", options?.ModelId ?? model);
            w.WriteStartArray("messages");
            foreach (var m in messages)
            {
                w.WriteStartObject();
                w.WriteString("role", m.Role.Value);
                w.WriteString("content", m.Text);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (options?.Temperature is { } temperature)
            {
                w.WriteNumber("temperature", temperature);
            }

            if (options?.MaxOutputTokens is { } max)
            {
                w.WriteNumber("max_tokens", max);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private ChatResponse ParseResponse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            string text = root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString() ?? string.Empty;
            var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { ModelId = root.TryGetProperty("model", out var m) ? m.GetString() : model };
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                response.Usage = new UsageDetails
                {
                    InputTokenCount = usage.TryGetProperty("prompt_tokens", out var p) ? p.GetInt64() : null,
                    OutputTokenCount = usage.TryGetProperty("completion_tokens", out var c) ? c.GetInt64() : null,
                };
            }

            return response;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new HttpRequestException($"Chat endpoint {endpoint} returned an unexpected body: {Clip(json)}", ex);
        }
    }

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
