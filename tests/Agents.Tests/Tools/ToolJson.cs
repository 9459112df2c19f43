using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentMem.Agents.Tests.Tools;

/// <summary>Calls tools the way a model does: arguments arrive as JSON, results leave as JSON.</summary>
internal static class ToolJson
{
    private static readonly JsonSerializerOptions Read = new(JsonSerializerDefaults.Web);

    public static AIFunction Find(IReadOnlyList<AIFunction> tools, string name) => tools.Single(t => t.Name == name);

    public static AIFunctionArguments Args(string json)
    {
        var args = new AIFunctionArguments();
        using var doc = JsonDocument.Parse(json);
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            args[property.Name] = property.Value.Clone();
        }

        return args;
    }

    public static async Task<T> CallAsync<T>(IReadOnlyList<AIFunction> tools, string name, string json)
    {
        var result = await Find(tools, name).InvokeAsync(Args(json));
        var element = result is JsonElement e ? e : JsonSerializer.SerializeToElement(result, Read);
        return element.Deserialize<T>(Read)!;
    }
}
