namespace AgentMem.Benchmarks.Datasets;

/// <summary>
/// Typed field access over a parsed dataset file; every mismatch becomes a
/// <see cref="DatasetFormatException"/> naming the file and JSON path, so loaders stay declarative.
/// </summary>
internal sealed class JsonSource(string filePath)
{
    public string FilePath { get; } = filePath;

    public static JsonDocument Parse(ReadOnlyMemory<byte> bytes, string filePath)
    {
        try
        {
            // The in-memory parser, unlike the stream one, does not skip a UTF-8 byte-order mark.
            ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
            return JsonDocument.Parse(bytes.Span.StartsWith(bom) ? bytes[bom.Length..] : bytes);
        }
        catch (JsonException ex)
        {
            throw NotValidJson(filePath, ex);
        }
    }

    /// <summary>
    /// A syntax error, placed by the reader's line and byte within that line (both counted from 1, as editors count) and
    /// put at the root (<c>$</c>): the reader's own JSON path is no position in a streamed array, whose elements it parses
    /// a buffer at a time before yielding any (it named the first question of that buffer, relative to the buffer).
    /// </summary>
    public static DatasetFormatException NotValidJson(string filePath, JsonException ex)
    {
        // System.Text.Json appends " Path: … | LineNumber: … | BytePositionInLine: …." (or only the last two) to its reason:
        // that suffix is given here as the line and byte, once, and without the misleading path.
        string reason = ex.Message;
        int suffix = reason.IndexOf(" Path: ", StringComparison.Ordinal);
        suffix = suffix >= 0 ? suffix : reason.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (suffix >= 0)
        {
            reason = reason[..suffix];
        }

        string at = ex.LineNumber is { } line
            ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}")
            : string.Empty;
        return new DatasetFormatException(filePath, "$", $"not valid JSON{at}: {reason}", ex);
    }

    public static string Child(string path, string name) => path + "." + name;

    public static string Index(string path, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");

    public DatasetFormatException Error(string path, string problem) => new(FilePath, path, problem);

    /// <summary>
    /// A date written in one of <paramref name="formats"/> (UTC unless it says otherwise), runs of spaces folded
    /// to one first; otherwise an error quoting <paramref name="original"/> and an <paramref name="example"/>.
    /// </summary>
    /// <param name="text">The text to parse, as the loader prepared it (e.g. without a weekday).</param>
    /// <param name="original">The text as the file has it, for the error.</param>
    /// <param name="formats">The exact formats the dataset writes dates in.</param>
    /// <param name="path">Where the date stands, for the error.</param>
    /// <param name="example">A date as the dataset writes it, for the error.</param>
    public DateTimeOffset Date(string text, string original, string[] formats, string path, string example) =>
        DateTimeOffset.TryParseExact(
            string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
            formats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal,
            out DateTimeOffset date)
            ? date
            : throw Error(path, $"cannot parse date '{original}' (expected e.g. '{example}')");

    public JsonElement Array(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Array ? element : throw WrongType(path, "an array", element);

    public JsonElement Object(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Object ? element : throw WrongType(path, "an object", element);

    /// <summary>A property that must be present and non-null.</summary>
    public JsonElement Required(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Error(path, $"missing required field '{name}'");
        }

        return value;
    }

    /// <summary>A property that may be absent or null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>
    /// The elements of an array with their index and JSON path, each checked to be an object as it is reached; the
    /// array itself is checked at once.
    /// </summary>
    public IEnumerable<(JsonElement Item, string Path, int Index)> Objects(JsonElement array, string path)
    {
        Array(array, path);
        return Walk();

        IEnumerable<(JsonElement Item, string Path, int Index)> Walk()
        {
            int i = 0;
            foreach (JsonElement item in array.EnumerateArray())
            {
                string itemPath = Index(path, i);
                yield return (Object(item, itemPath), itemPath, i);
                i++;
            }
        }
    }

    /// <summary>The elements of a required array property, as <see cref="Objects"/> gives them.</summary>
    public IEnumerable<(JsonElement Item, string Path, int Index)> RequiredObjects(JsonElement obj, string name, string path) =>
        Objects(Required(obj, name, path), Child(path, name));

    public JsonElement RequiredArray(JsonElement obj, string name, string path) =>
        Array(Required(obj, name, path), Child(path, name));

    public JsonElement RequiredObject(JsonElement obj, string name, string path) =>
        Object(Required(obj, name, path), Child(path, name));

    public string String(JsonElement obj, string name, string path) =>
        AsString(Required(obj, name, path), Child(path, name));

    public string? OptionalString(JsonElement obj, string name, string path) =>
        Optional(obj, name) is { } value ? AsString(value, Child(path, name)) : null;

    public string AsString(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw WrongType(path, "a string", element);

    /// <summary>A string or number, as text: answers are sometimes bare numbers (LoCoMo <c>2022</c>).</summary>
    public string? OptionalScalar(JsonElement obj, string name, string path)
    {
        if (Optional(obj, name) is not { } value)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => throw WrongType(Child(path, name), "a string or number", value),
        };
    }

    /// <summary>A required integer, or a non-empty string (generated datasets name their categories), as invariant text.</summary>
    public string Int32OrString(JsonElement obj, string name, string path)
    {
        JsonElement value = Required(obj, name, path);
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out int result) => result.ToString(CultureInfo.InvariantCulture),
            JsonValueKind.String when value.GetString() is { Length: > 0 } text => text,
            _ => throw WrongType(Child(path, name), "an integer or a non-empty string", value),
        };
    }

    public bool OptionalBool(JsonElement obj, string name, string path)
    {
        if (Optional(obj, name) is not { } value)
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(Child(path, name), "a boolean", value),
        };
    }

    /// <summary>An optional array of strings; absent or null gives an empty list.</summary>
    public List<string> OptionalStringArray(JsonElement obj, string name, string path)
    {
        var result = new List<string>();
        if (Optional(obj, name) is not { } value)
        {
            return result;
        }

        string arrayPath = Child(path, name);
        int i = 0;
        foreach (JsonElement item in Array(value, arrayPath).EnumerateArray())
        {
            result.Add(AsString(item, Index(arrayPath, i++)));
        }

        return result;
    }

    private DatasetFormatException WrongType(string path, string expected, JsonElement actual) =>
        Error(path, $"expected {expected} but found {Describe(actual.ValueKind)}");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
