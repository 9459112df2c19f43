using System.Text.Json;
using System.Text.Json.Serialization;
using AgentMem.MemoryCore.Identity;

namespace AgentMem.Stores.Sqlite;

/// <summary>JSON settings for the columns and snapshots the store writes (stable, enum names as text).</summary>
internal static class StoreJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(), new MemoryIdJsonConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Stored JSON for {typeof(T).Name} is null.");

    private sealed class MemoryIdJsonConverter : JsonConverter<MemoryId>
    {
        public override MemoryId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            MemoryId.Parse(reader.GetString() ?? string.Empty);

        public override void Write(Utf8JsonWriter writer, MemoryId value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }
}
