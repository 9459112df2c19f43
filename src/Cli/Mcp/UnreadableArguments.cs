using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentMem.Cli.Mcp;

/// <summary>
/// Answers a tool call whose arguments hold a string with an escaped unpaired UTF-16 surrogate (<c>"\ud800"</c> alone, as a
/// model's output cut inside a character can hold) with a tool error naming the argument. Such a string is valid JSON
/// but no text: the SDK failed reading it and answered a protocol error without a message ("An error occurred."), so the
/// model could not tell what to fix. It is refused rather than repaired, as the memory refuses such text everywhere else.
/// </summary>
internal static class UnreadableArguments
{
    /// <summary>An incoming message filter that answers such a tool call itself and passes every other message on.</summary>
    public static McpMessageFilter Refuse() => next => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.ToolsCall } request && Describe(request.Params) is { } problem)
        {
            var refusal = new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = problem }] };
            await context.Server.SendMessageAsync(
                new JsonRpcResponse { Id = request.Id, JsonRpc = "2.0", Result = JsonSerializer.SerializeToNode(refusal, McpJsonUtilities.DefaultOptions) },
                cancellationToken).ConfigureAwait(false);
            return;
        }

        await next(context, cancellationToken).ConfigureAwait(false);
    };

    /// <summary>What the model is told about the first argument holding an unpaired surrogate; null when every string reads.</summary>
    private static string? Describe(JsonNode? parameters)
    {
        try
        {
            return parameters is JsonObject call && call["arguments"] is JsonObject arguments ? Find(arguments, path: null) : null;
        }
        catch (InvalidOperationException)
        {
            // A member name that does not read either (the tool's name, an argument's).
            return "A member name of the call holds an unpaired UTF-16 surrogate (an escape such as \\ud800 without its other half), which is not text: send it without that escape.";
        }
    }

    private static string? Find(JsonNode? node, string? path)
    {
        switch (node)
        {
            case JsonObject members:
                foreach (var (name, value) in members)
                {
                    if (Find(value, path is null ? name : $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonArray items:
                for (int i = 0; i < items.Count; i++)
                {
                    if (Find(items[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    value.GetValue<string>();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    string half = value.TryGetValue<JsonElement>(out var element) && UnpairedEscape(element.GetRawText()) is { } escape
                        ? string.Create(CultureInfo.InvariantCulture, $"U+{int.Parse(escape.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture):X4}, escaped as {escape}")
                        : "an escape such as \\ud800";
                    return $"The argument '{path}' holds an unpaired UTF-16 surrogate ({half} without its other half), which is not text: send it without that escape.";
                }

            default:
                return null;
        }
    }

    /// <summary>The first <c>\uXXXX</c> escape in a JSON string's raw text that writes half a surrogate pair alone, as written.</summary>
    private static string? UnpairedEscape(string raw)
    {
        for (int i = 0; i + 1 < raw.Length; i++)
        {
            if (raw[i] != '\\')
            {
                continue;
            }

            if (raw[i + 1] != 'u')
            {
                i++; // a two-character escape: \" \\ \n ...
                continue;
            }

            char unit = Unit(raw, i);
            if (char.IsHighSurrogate(unit) && i + 11 < raw.Length && raw[i + 6] == '\\' && raw[i + 7] == 'u' && char.IsLowSurrogate(Unit(raw, i + 6)))
            {
                i += 11; // a pair, written as two escapes
                continue;
            }

            if (char.IsSurrogate(unit))
            {
                return raw.Substring(i, 6);
            }

            i += 5;
        }

        return null;
    }

    private static char Unit(string raw, int escape) => (char)int.Parse(raw.AsSpan(escape + 2, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
