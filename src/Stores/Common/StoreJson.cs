using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentMem.Stores.Common;

/// <summary>JSON settings for the columns and snapshots every store writes (stable, enum names as text).</summary>
/// <remarks>
/// Tags and keywords are written by <see cref="SerializeLabels"/>, with only quotes, backslashes and control characters
/// escaped: SQLite's full-text index reads those columns as written, and the default encoder's <c>\u00E9</c> for "é" (or
/// <c>\u0027</c> for an apostrophe) made "café" the words "caf" and "u00e9". The relaxed encoder used for the rest still
/// escapes characters beyond the Basic Multilingual Plane, which no index reads.
/// </remarks>
internal static class StoreJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>A JSON array of <paramref name="labels"/>, each written as it is but for quotes, backslashes and control characters.</summary>
    public static string SerializeLabels(IReadOnlyList<string> labels)
    {
        var json = new StringBuilder("[");
        for (int i = 0; i < labels.Count; i++)
        {
            json.Append(i == 0 ? "\"" : ",\"");
            foreach (char c in labels[i])
            {
                _ = c switch
                {
                    '"' => json.Append("\\\""),
                    '\\' => json.Append("\\\\"),
                    < ' ' => json.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                    _ => json.Append(c),
                };
            }

            json.Append('"');
        }

        return json.Append(']').ToString();
    }

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Stored JSON for {typeof(T).Name} is null.");
}
