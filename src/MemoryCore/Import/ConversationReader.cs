using AgentMem.MemoryCore.Time;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore.Import;

/// <summary>Reads and validates <c>agentmem.conversation.v1</c> files; errors name the JSON path at fault.</summary>
public static class ConversationReader
{
    /// <summary>Reads a conversation file.</summary>
    public static async Task<ConversationDocument> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new ConversationFormatException($"Conversation file '{path}' does not exist.");
        }

        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadAsync(stream, path, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a conversation from a stream; <paramref name="sourceName"/> is used in error messages.</summary>
    public static async Task<ConversationDocument> ReadAsync(Stream stream, string sourceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes;
        using (var buffer = new MemoryStream())
        {
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            bytes = buffer.ToArray();
        }

        // The JSON parser accepts invalid UTF-8 inside strings and only fails when one is read, untyped and without a
        // position; checking first names the byte.
        if (Utf8Validation.DescribeInvalid(bytes) is { } invalid)
        {
            throw new ConversationFormatException($"{sourceName}: not UTF-8 text: {invalid}.");
        }

        JsonDocument json;
        try
        {
            json = await JsonDocument.ParseAsync(new MemoryStream(bytes, writable: false), default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new ConversationFormatException($"{sourceName}: not valid JSON ({ex.Message}).", ex);
        }

        using (json)
        {
            try
            {
                return Parse(json.RootElement, sourceName);
            }
            catch (InvalidOperationException ex)
            {
                // Valid UTF-8 can still hold a string that does not decode: an escaped lone surrogate such as "\ud800".
                throw new ConversationFormatException($"{sourceName}: a string cannot be decoded ({ex.Message}).", ex);
            }
        }
    }

    private static ConversationDocument Parse(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Fail(source, "$", "the root must be an object");
        }

        string format = RequiredString(root, "format", source, "$");
        if (!string.Equals(format, ConversationDocument.FormatName, StringComparison.Ordinal))
        {
            throw Fail(source, "$.format", $"expected \"{ConversationDocument.FormatName}\", found \"{format}\"");
        }

        string id = RequiredString(root, "id", source, "$");
        string? title = OptionalString(root, "title", source, "$");
        if (!root.TryGetProperty("sessions", out var sessionsJson) || sessionsJson.ValueKind != JsonValueKind.Array)
        {
            throw Fail(source, "$.sessions", "required array is missing");
        }

        var sessions = new List<ConversationSession>();
        var sessionIds = new HashSet<string>(StringComparer.Ordinal);
        var turnIds = new HashSet<string>(StringComparer.Ordinal);
        int si = 0;
        foreach (var s in sessionsJson.EnumerateArray())
        {
            string sp = $"$.sessions[{si}]";
            if (s.ValueKind != JsonValueKind.Object)
            {
                throw Fail(source, sp, "each session must be an object");
            }

            string sid = OptionalString(s, "id", source, sp) ?? (si + 1).ToString(CultureInfo.InvariantCulture);
            if (!sessionIds.Add(sid))
            {
                throw Fail(source, sp + ".id", $"duplicate session id \"{sid}\"");
            }

            var date = OptionalDate(s, "date", source, sp);
            if (!s.TryGetProperty("turns", out var turnsJson) || turnsJson.ValueKind != JsonValueKind.Array)
            {
                throw Fail(source, sp + ".turns", "required array is missing");
            }

            var turns = new List<ConversationTurn>();
            int ti = 0;
            foreach (var t in turnsJson.EnumerateArray())
            {
                string tp = $"{sp}.turns[{ti}]";
                if (t.ValueKind != JsonValueKind.Object)
                {
                    throw Fail(source, tp, "each turn must be an object");
                }

                string tid = OptionalString(t, "id", source, tp) ?? $"{sid}:{ti + 1}";
                if (!turnIds.Add(tid))
                {
                    throw Fail(source, tp + ".id", $"duplicate turn id \"{tid}\"");
                }

                var tags = new List<string>();
                if (t.TryGetProperty("tags", out var tagsJson))
                {
                    if (tagsJson.ValueKind != JsonValueKind.Array || tagsJson.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                    {
                        throw Fail(source, tp + ".tags", "must be an array of strings");
                    }

                    tags.AddRange(tagsJson.EnumerateArray().Select(x => x.GetString()!));
                }

                turns.Add(new ConversationTurn(
                    tid,
                    RequiredString(t, "speaker", source, tp),
                    RequiredString(t, "text", source, tp),
                    OptionalDate(t, "time", source, tp),
                    tags));
                ti++;
            }

            sessions.Add(new ConversationSession(sid, date, turns));
            si++;
        }

        return new ConversationDocument(id, title, sessions);
    }

    private static string RequiredString(JsonElement obj, string name, string source, string path) =>
        OptionalString(obj, name, source, path) ?? throw Fail(source, $"{path}.{name}", "required string is missing or empty");

    private static string? OptionalString(JsonElement obj, string name, string source, string path)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Fail(source, $"{path}.{name}", $"must be a string, found {value.ValueKind}");
        }

        string? text = value.GetString();
        return ContentRules.IsBlank(text) ? null : text; // as the store counts blank, so a turn of "\u200B" is refused here, by its path
    }

    private static DateTimeOffset? OptionalDate(JsonElement obj, string name, string source, string path)
    {
        string? text = OptionalString(obj, name, source, path);
        if (text is null)
        {
            return null;
        }

        if (IsoDateTime.TryParse(text, out var date))
        {
            return date;
        }

        throw Fail(source, $"{path}.{name}", IsoDateTime.IsOutOfRange(text)
            ? $"\"{text}\" is outside the supported range ({IsoDateTime.SupportedRange})"
            : $"\"{text}\" is not an ISO-8601 date/time");
    }

    private static ConversationFormatException Fail(string source, string path, string problem) =>
        new($"{source}: {path}: {problem}.");
}
