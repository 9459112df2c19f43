using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using AgentMem.Common.Http;
using Microsoft.Extensions.AI;

namespace AgentMem.Agents.Clients;

/// <summary>
/// A small <see cref="IChatClient"/> for any OpenAI-compatible <c>/chat/completions</c> endpoint
/// (OpenAI, Ollama, vLLM, llama.cpp server): plain and streamed (server-sent events) responses, function
/// tools and tool calls, temperature and output limit from the options, retries with backoff on 429 and
/// 5xx, and a per-request timeout.
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
        using var response = await SendAsync(OpenAIChatWire.Request(model, messages, options, stream: false), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return ParseResponse(text);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Sends <c>stream: true</c> and turns each server-sent <c>data:</c> chunk into an update as it arrives:
    /// text deltas at once, tool calls (whose arguments arrive in pieces) as one update when the stream ends.
    /// Retries happen only before the first byte of an answer; the timeout covers the wait for the headers.
    /// </remarks>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var response = await SendAsync(OpenAIChatWire.Request(model, messages, options, stream: true), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
        var toolCalls = new StreamedToolCalls();
        string? responseId = null;
        string? modelId = null;
        ChatFinishReason? finish = null;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            // Blank lines separate events; other SSE fields (event:, id:, comments) carry nothing here.
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            string data = line[5..].Trim();
            if (data == "[DONE]")
            {
                break;
            }

            var chunk = ParseChunk(data);
            responseId ??= chunk.Id;
            modelId ??= chunk.Model;
            finish = chunk.Finish ?? finish;
            if (chunk.ToolCalls is { } deltas)
            {
                toolCalls.Add(deltas);
            }

            if (chunk.Text is { Length: > 0 } || chunk.Usage is not null)
            {
                List<AIContent> contents = [];
                if (chunk.Text is { Length: > 0 } text)
                {
                    contents.Add(new TextContent(text));
                }

                if (chunk.Usage is { } usage)
                {
                    contents.Add(new UsageContent(usage));
                }

                yield return new ChatResponseUpdate(ChatRole.Assistant, contents) { ResponseId = responseId, MessageId = responseId, ModelId = modelId };
            }
        }

        if (toolCalls.Any || finish is not null)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, toolCalls.Complete()) { ResponseId = responseId, MessageId = responseId, ModelId = modelId, FinishReason = finish };
        }
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

    /// <summary>Posts <paramref name="body"/>, retrying 429 and 5xx answers with backoff; returns a successful response or throws.</summary>
    private async Task<HttpResponseMessage> SendAsync(string body, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
            var response = await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!RetryTiming.IsRetryable(response.StatusCode) || attempt == MaxAttempts)
                {
                    throw new HttpRequestException($"Chat endpoint {endpoint} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Clip(text)}", null, response.StatusCode);
                }

                await Task.Delay(RetryTiming.Delay(attempt - 1, FirstRetryDelay, MaxRetryDelay, response.Headers.RetryAfter?.Delta), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private ChatResponse ParseResponse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var choice = root.GetProperty("choices")[0];
            var message = new ChatMessage(ChatRole.Assistant, OpenAIChatWire.MessageContents(choice.GetProperty("message")));
            return new ChatResponse(message)
            {
                ModelId = root.TryGetProperty("model", out var m) ? m.GetString() : model,
                Usage = OpenAIChatWire.Usage(root),
                FinishReason = Finish(choice),
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new HttpRequestException($"Chat endpoint {endpoint} returned an unexpected body: {Clip(json)}", ex);
        }
    }

    private (string? Id, string? Model, string? Text, JsonElement? ToolCalls, ChatFinishReason? Finish, UsageDetails? Usage) ParseChunk(string data)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            var root = doc.RootElement;
            if (root.TryGetProperty("error", out var error))
            {
                throw new HttpRequestException($"Chat endpoint {endpoint} reported an error mid-stream: {Clip(error.ToString())}");
            }

            string? id = root.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            string? chunkModel = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var usage = OpenAIChatWire.Usage(root);

            // The last chunk of a stream with usage has no choices.
            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
            {
                return (id, chunkModel, null, null, null, usage);
            }

            var choice = choices[0];
            string? text = null;
            JsonElement? toolCalls = null;
            if (choice.TryGetProperty("delta", out var delta))
            {
                text = delta.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                toolCalls = delta.TryGetProperty("tool_calls", out var t) && t.ValueKind == JsonValueKind.Array ? t.Clone() : null;
            }

            return (id, chunkModel, text, toolCalls, Finish(choice), usage);
        }
        catch (JsonException ex)
        {
            throw new HttpRequestException($"Chat endpoint {endpoint} streamed an unexpected chunk: {Clip(data)}", ex);
        }
    }

    private static ChatFinishReason? Finish(JsonElement choice) =>
        choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? new ChatFinishReason(f.GetString()!) : null;

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
