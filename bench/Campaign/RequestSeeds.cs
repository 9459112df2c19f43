using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentMem.Campaign.Bench;

/// <summary>
/// A valid body per route for mutation: hand-written for the routes we know, otherwise sampled from the OpenAPI schema
/// (required members only), so a route added later is fuzzed too.
/// </summary>
internal static class RequestSeeds
{
    private static readonly Dictionary<string, string> Known = new(StringComparer.Ordinal)
    {
        ["POST /v1/cubes"] = """{"name":"fuzzcube","description":"made by the campaign","deduplicate":false}""",
        ["POST /v1/memories"] = """{"cube":"default","text":"Caroline went to a support group","actor":"Caroline","tags":["event"],"importance":0.5}""",
        ["POST /v1/memories/batch"] = """{"cube":"default","items":[{"text":"one"},{"text":"two","tags":["t"]}]}""",
        ["PATCH /v1/memories/{id}"] = """{"text":"changed","reason":"fuzz","tags":["x"],"importance":0.7}""",
        ["POST /v1/search"] = """{"cube":"default","query":"support group","k":5,"mode":"hybrid","explain":true}""",
        ["POST /v1/context"] = """{"cube":"default","query":"support group","budget":200}""",
    };

    public static JsonNode? Body(string route, JsonElement operation, JsonElement document)
    {
        if (Known.TryGetValue(route, out string? json))
        {
            return JsonNode.Parse(json);
        }

        return operation.TryGetProperty("requestBody", out var body)
            && body.TryGetProperty("content", out var content)
            && content.TryGetProperty("application/json", out var media)
            && media.TryGetProperty("schema", out var schema)
                ? Sample(schema, document, 0)
                : null;
    }

    private static JsonNode? Sample(JsonElement schema, JsonElement document, int depth)
    {
        if (depth > 6)
        {
            return null;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            var target = document;
            foreach (string part in reference.GetString()!.TrimStart('#', '/').Split('/'))
            {
                target = target.GetProperty(part);
            }

            return Sample(target, document, depth + 1);
        }

        foreach (string choice in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (schema.TryGetProperty(choice, out var options))
            {
                return options.EnumerateArray().Select(o => Sample(o, document, depth + 1)).FirstOrDefault(n => n is not null);
            }
        }

        if (schema.TryGetProperty("enum", out var values) && values.GetArrayLength() > 0)
        {
            return JsonNode.Parse(values[0].GetRawText());
        }

        string type = !schema.TryGetProperty("type", out var t) ? "object"
            : t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString()!).FirstOrDefault(x => x != "null") ?? "null"
            : t.GetString()!;
        return type switch
        {
            "string" => schema.TryGetProperty("format", out var f) && f.GetString() == "date-time" ? "2024-05-01T10:00:00Z" : "sample",
            "integer" => 5,
            "number" => 0.5,
            "boolean" => true,
            "array" => new JsonArray(schema.TryGetProperty("items", out var items) ? Sample(items, document, depth + 1) : null),
            "object" => SampleObject(schema, document, depth),
            _ => null,
        };
    }

    private static JsonObject SampleObject(JsonElement schema, JsonElement document, int depth)
    {
        var result = new JsonObject();
        if (schema.TryGetProperty("required", out var required) && schema.TryGetProperty("properties", out var properties))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (properties.TryGetProperty(name, out var property))
                {
                    result[name] = Sample(property, document, depth + 1);
                }
            }
        }

        return result;
    }
}
