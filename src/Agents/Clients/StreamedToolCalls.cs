using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentMem.Agents.Clients;

/// <summary>
/// Collects the tool-call deltas of an OpenAI stream: each call arrives as pieces keyed by index (id and name
/// first, then fragments of the JSON arguments), so a call is whole only when the stream ends.
/// </summary>
internal sealed class StreamedToolCalls
{
    private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> calls = [];

    public bool Any => calls.Count > 0;

    public void Add(JsonElement toolCalls)
    {
        foreach (var delta in toolCalls.EnumerateArray())
        {
            int index = delta.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetInt32() : calls.Count;
            var (id, name, arguments) = calls.TryGetValue(index, out var known) ? known : (null, null, new StringBuilder());
            if (delta.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String)
            {
                id = idElement.GetString();
            }

            if (delta.TryGetProperty("function", out var function))
            {
                if (function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
                {
                    name = n.GetString();
                }

                if (function.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String)
                {
                    arguments.Append(a.GetString());
                }
            }

            calls[index] = (id, name, arguments);
        }
    }

    public List<AIContent> Complete() =>
        [.. calls.Select(c => OpenAIChatWire.ToolCall(c.Value.Id ?? "call-" + c.Key, c.Value.Name ?? string.Empty, c.Value.Arguments.ToString()))];
}
