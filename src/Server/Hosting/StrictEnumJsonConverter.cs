using System.Text.Json;
using System.Text.Json.Serialization;
using AgentMem.Common.Text;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Reads an enum member from a JSON string that names exactly one member (any case) and writes members in camelCase.
/// </summary>
/// <remarks>
/// <see cref="JsonStringEnumConverter"/> also reads comma lists (<c>"archived,superseded"</c>: the members' bits OR-ed,
/// here <c>frozen</c>) and, unless told not to, numbers (<c>7</c>: no member at all, stored as is), so a bad request body
/// silently froze a memory or recorded a source kind that does not exist. Either is refused here as a bad request.
/// </remarks>
internal sealed class StrictEnumJsonConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(MemberConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class MemberConverter<TEnum> : JsonConverter<TEnum>
        where TEnum : struct, Enum
    {
        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (EnumNames.TryParse(text, out TEnum value))
            {
                return value;
            }

            string got = reader.TokenType switch
            {
                JsonTokenType.String => $"'{(text is { Length: > 40 } ? text[..40] + "…" : text)}'",
                JsonTokenType.Number => "a number",
                JsonTokenType.True or JsonTokenType.False => "a boolean",
                _ => "an object or array",
            };
            throw new JsonException($"Expected one of {EnumNames.Choices<TEnum>()}; got {got}.");
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(JsonNamingPolicy.CamelCase.ConvertName(value.ToString()));
    }
}
