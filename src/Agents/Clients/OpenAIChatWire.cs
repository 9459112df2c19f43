using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentMem.Agents.Clients;

/// <summary>
/// The OpenAI <c>/chat/completions</c> wire format: request bodies (messages, tool calls and results,
/// tool declarations) and the parts of responses and stream chunks that become Microsoft.Extensions.AI content.
/// </summary>
internal static class OpenAIChatWire
{
    // The library defaults indent; arguments and results travel as compact strings inside the body.
    private static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static string Request(string model, IEnumerable<ChatMessage> messages, ChatOptions? options, bool stream)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", options?.ModelId ?? model);
            w.WriteStartArray("messages");
            foreach (var message in messages)
            {
                WriteMessage(w, message);
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

            WriteTools(w, options);
            if (stream)
            {
                w.WriteBoolean("stream", true);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The tool calls of a response message or of the accumulated stream, as contents.</summary>
    public static FunctionCallContent ToolCall(string callId, string name, string arguments)
    {
        try
        {
            var parsed = string.IsNullOrWhiteSpace(arguments) ? [] : JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments, AIJsonUtilities.DefaultOptions);
            return new FunctionCallContent(callId, name, parsed);
        }
        catch (JsonException ex)
        {
            // The function-invoking client reports the exception to the model instead of calling the tool.
            return new FunctionCallContent(callId, name) { Exception = ex };
        }
    }

    public static List<AIContent> MessageContents(JsonElement message)
    {
        var contents = new List<AIContent>();
        if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
        {
            contents.Add(new TextContent(text));
        }

        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var function = call.GetProperty("function");
                contents.Add(ToolCall(call.GetProperty("id").GetString() ?? string.Empty, function.GetProperty("name").GetString() ?? string.Empty, function.TryGetProperty("arguments", out var a) ? a.GetString() ?? string.Empty : string.Empty));
            }
        }

        return contents;
    }

    public static UsageDetails? Usage(JsonElement root) =>
        root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
            ? new UsageDetails
            {
                InputTokenCount = usage.TryGetProperty("prompt_tokens", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt64() : null,
                OutputTokenCount = usage.TryGetProperty("completion_tokens", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : null,
            }
            : null;

    private static void WriteMessage(Utf8JsonWriter w, ChatMessage message)
    {
        // Each tool result is its own "tool" message on the wire, answering one call id.
        foreach (var result in message.Contents.OfType<FunctionResultContent>())
        {
            w.WriteStartObject();
            w.WriteString("role", "tool");
            w.WriteString("tool_call_id", result.CallId);
            w.WriteString("content", result.Result as string ?? JsonSerializer.Serialize(result.Result, Compact));
            w.WriteEndObject();
        }

        var calls = message.Contents.OfType<FunctionCallContent>().ToList();
        string text = message.Text;
        if (calls.Count == 0 && message.Contents.Any(c => c is FunctionResultContent) && text.Length == 0)
        {
            return;
        }

        w.WriteStartObject();
        w.WriteString("role", message.Role.Value);
        if (calls.Count > 0 && text.Length == 0)
        {
            w.WriteNull("content");
        }
        else
        {
            w.WriteString("content", text);
        }

        if (calls.Count > 0)
        {
            w.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", call.CallId);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", call.Name);
                w.WriteString("arguments", JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), Compact));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter w, ChatOptions? options)
    {
        var functions = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        if (functions.Count == 0)
        {
            return;
        }

        w.WriteStartArray("tools");
        foreach (var function in functions)
        {
            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", function.Name);
            w.WriteString("description", function.Description);
            w.WritePropertyName("parameters");
            function.JsonSchema.WriteTo(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
