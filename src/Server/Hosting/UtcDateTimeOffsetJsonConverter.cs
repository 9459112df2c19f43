using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Reads a date-time as System.Text.Json does (the same ISO 8601 shapes), except that one without an offset
/// (<c>2024-05-07</c>, <c>2024-05-07T14:30</c>) is taken as UTC, as <c>agentmem</c> and the MCP tools read it
/// (<see cref="MemoryCore.Time.IsoDateTime"/>); writes as System.Text.Json does, at the time's own offset: a memory's
/// event start at the one it was given with (UTC when none was), every other time in UTC.
/// </summary>
/// <remarks>
/// The default reader takes such a time in the server's own time zone, so the same request stored another instant on a
/// server in Berlin (<c>2024-05-07</c> became <c>2024-05-06T22:00:00+00:00</c>) than on one in UTC.
/// </remarks>
internal sealed class UtcDateTimeOffsetJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            // Read as a DateTime first, which tells the two apart: a text without an offset leaves its kind unspecified.
            if (reader.TryGetDateTime(out var clock) && clock.Kind == DateTimeKind.Unspecified)
            {
                return new DateTimeOffset(clock, TimeSpan.Zero);
            }

            if (reader.TryGetDateTimeOffset(out var value))
            {
                return value;
            }
        }

        throw new JsonException("Expected an ISO 8601 date or date-time, such as 2024-05-07 or 2024-05-07T14:30:00Z (without an offset: UTC).");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);
}
