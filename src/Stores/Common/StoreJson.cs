using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentMem.Stores.Common;

/// <summary>JSON settings for the columns and snapshots every store writes (stable, enum names as text).</summary>
/// <remarks>
/// Text is written as it is (only quotes, backslashes and control characters escaped): SQLite's full-text index reads the
/// tag and keyword columns as written, and the default encoder's <c>\u00E9</c> for "é" (or <c>\u0027</c> for an apostrophe)
/// made "café" the words "caf" and "u00e9". These columns are no HTML page, so there is nothing to escape for.
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

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Stored JSON for {typeof(T).Name} is null.");
}
