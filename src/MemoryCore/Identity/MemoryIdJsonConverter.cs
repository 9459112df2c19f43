using System.Text.Json.Serialization;

namespace AgentMem.MemoryCore.Identity;

/// <summary>Writes a <see cref="MemoryId"/> as its 26-character text, so every JSON surface agrees.</summary>
public sealed class MemoryIdJsonConverter : JsonConverter<MemoryId>
{
    /// <inheritdoc/>
    public override MemoryId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.GetString();
        return MemoryId.TryParse(text, out var id) ? id : throw new JsonException($"'{text}' is not a memory id.");
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, MemoryId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
