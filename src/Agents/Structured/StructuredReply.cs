using AgentMem.Common.Text;
using AgentMem.MemoryCore.Validation;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentMem.Agents.Structured;

/// <summary>
/// Asks a model for one JSON object and keeps asking until a validator accepts it: local models often return prose around
/// the JSON, truncated JSON or the wrong shape, so an invalid reply is sent back with what was wrong, up to a number of tries.
/// The caller decides what to do when no valid reply comes (usually an offline fallback).
/// </summary>
public static partial class StructuredReply
{
    /// <summary>
    /// Sends <paramref name="messages"/> (extended in place with the failed replies and corrections) and returns the first
    /// value <paramref name="validate"/> accepts, or null with the last problem. A failing model call (a timeout included) ends
    /// the loop at once; only the cancellation of <paramref name="cancellationToken"/> is thrown.
    /// </summary>
    public static async Task<(T? Value, string Problem)> AskAsync<T>(
        IChatClient client,
        List<ChatMessage> messages,
        ChatOptions options,
        Func<JsonElement, (T? Value, string Problem)> validate,
        int maxAttempts,
        CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(validate);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        string problem = "no reply";
        for (int attempt = 1; attempt <= maxAttempts; attempt++)
        {
            string reply;
            try
            {
                reply = (await client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false)).Text;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Only the caller's cancellation ends the work: a client's own timeout (HttpClient's is a
                // TaskCanceledException) is a failed call like any other, and the caller falls back.
                return (null, $"the model call failed ({ex.GetType().Name}: {ex.Message})");
            }

            if (TryReadObject(reply, out var root, out problem))
            {
                var (value, invalid) = validate(root);
                if (value is not null)
                {
                    return (value, string.Empty);
                }

                problem = invalid;
            }

            messages.Add(new ChatMessage(ChatRole.Assistant, reply));
            messages.Add(new ChatMessage(ChatRole.User, $"That reply is invalid: {problem}. Reply again with only the JSON object."));
        }

        return (null, problem);
    }

    /// <summary>
    /// The JSON object in <paramref name="reply"/>, tolerating prose, code fences and a reasoning model's
    /// <c>&lt;think&gt;</c> block around it: the first complete JSON value found, whatever follows it, passing over arrays that
    /// hold no object (prose like "fact [1]"). False with the reason when there is none, it does not parse, or it is an
    /// array of objects.
    /// </summary>
    public static bool TryReadObject(string? reply, out JsonElement root, out string problem)
    {
        root = default;
        if (string.IsNullOrWhiteSpace(reply))
        {
            problem = "it is empty";
            return false;
        }

        string? firstError = null;
        foreach (var (value, error, startsObject) in JsonValues(reply))
        {
            if (error is not null)
            {
                firstError ??= error;
                if (startsObject)
                {
                    break; // the reply's object, broken (cut off, say): an object inside it is not the answer
                }

                continue; // a '[' in prose ("Answer [JSON]: {...}")
            }

            if (value.ValueKind == JsonValueKind.Array)
            {
                if (!HoldsObject(value))
                {
                    continue; // prose quoting an index or ids ("Fact [1] is the same: {...}"), not an answer
                }

                problem = "it must be one JSON object, not an array";
                return false;
            }

            root = value;
            problem = string.Empty;
            return true;
        }

        problem = firstError is null ? "it holds no JSON object" : $"it is not valid JSON ({firstError})";
        return false;
    }

    private static bool HoldsObject(JsonElement array) =>
        array.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object || (e.ValueKind == JsonValueKind.Array && HoldsObject(e)));

    /// <summary>
    /// Each complete JSON object or array in <paramref name="reply"/> (after its <c>&lt;think&gt;</c> blocks are removed), in
    /// order, read from each '{' or '[' not inside one already read; a start that does not parse gives its error instead
    /// (so "Answer [JSON]: {...}" still yields the object, and text after a value is ignored). Trailing commas are allowed.
    /// </summary>
    internal static IEnumerable<(JsonElement Value, string? Error, bool StartsObject)> JsonValues(string reply)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(ThinkBlock().Replace(reply, " "));
        int at = 0;
        while (at < utf8.Length)
        {
            int next = utf8.AsSpan(at).IndexOfAny((byte)'{', (byte)'[');
            if (next < 0)
            {
                yield break;
            }

            at += next;
            bool startsObject = utf8[at] == (byte)'{';
            if (TryParseAt(utf8, at, out var value, out int consumed, out string? error))
            {
                yield return (value, null, startsObject);
                at += consumed;
            }
            else
            {
                // A value that parsed but holds a lone surrogate is skipped whole: read on from inside it, an array's
                // inner object was taken for the answer.
                yield return (default, error, startsObject);
                at += Math.Max(consumed, 1);
            }
        }
    }

    private static bool TryParseAt(byte[] utf8, int at, out JsonElement value, out int consumed, out string? error)
    {
        var reader = new Utf8JsonReader(utf8.AsSpan(at), new JsonReaderOptions { AllowTrailingCommas = true });
        try
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            value = doc.RootElement.Clone();
            consumed = (int)reader.BytesConsumed;
            error = UndecodableString(value);
            if (error is not null)
            {
                value = default;
                return false;
            }

            return true;
        }
        catch (JsonException ex)
        {
            value = default;
            consumed = 0;
            error = ex.Message;
            return false;
        }
    }

    // The parser checks escapes only for their syntax: "\ud800" parses, and reading the string then throws, past every
    // validator and fallback. A reply with one is as unusable as broken JSON, so it is refused (and the model asked again).
    private static string? UndecodableString(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return Decodes(value.GetString) ? null : LoneSurrogate;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (UndecodableString(item) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    var name = property;
                    if (!Decodes(() => name.Name) || UndecodableString(property.Value) is not null)
                    {
                        return LoneSurrogate;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private const string LoneSurrogate = "a name or string holds an escaped lone surrogate (\\uD800 to \\uDFFF)";

    private static bool Decodes(Func<string?> read)
    {
        try
        {
            _ = read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"<think>.*?(</think>|$)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ThinkBlock();

    /// <summary>
    /// Control characters removed and cut to <paramref name="max"/> characters: model text is untrusted. Empty when nothing
    /// visible is left (<see cref="ContentRules.IsBlank"/>): a fact or label of a zero width space alone, which the store
    /// refuses, failed the write it was part of.
    /// </summary>
    public static string Clean(string? text, int max)
    {
        string clean = new((text ?? string.Empty).Where(c => !char.IsControl(c)).ToArray());
        string cut = TextClip.Prefix(clean, max).Trim().ToString();
        return ContentRules.IsBlank(cut) ? string.Empty : cut;
    }
}
