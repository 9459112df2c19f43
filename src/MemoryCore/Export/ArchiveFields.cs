using AgentMem.Common.Text;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore.Export;

/// <summary>
/// The fields of one JSON object on an <c>agentmem.cube</c> line, each read by name and type: one that is missing, of
/// another JSON type or out of range is refused with a <see cref="MemoryValidationException"/> naming it by its path on
/// the line (<c>'provenance.recordedAt'</c>, <c>'links[0].weight'</c>) and what was found. The BCL's own messages ("The
/// given key was not present in the dictionary.") named no field, and a line holds some 30 per version and may be
/// megabytes long.
/// </summary>
internal readonly struct ArchiveFields
{
    private readonly JsonElement element;
    private readonly string prefix;

    private ArchiveFields(JsonElement element, string prefix)
    {
        this.element = element;
        this.prefix = prefix;
    }

    /// <summary>
    /// The fields of <paramref name="value"/>, a line's root or one of a memory's versions, whose fields errors name from
    /// there (<c>'importance'</c>); <paramref name="what"/> names the value itself ("a version") if it is no object.
    /// </summary>
    /// <exception cref="MemoryValidationException"><paramref name="value"/> is not a JSON object.</exception>
    public static ArchiveFields Of(JsonElement value, string what) =>
        value.ValueKind == JsonValueKind.Object
            ? new ArchiveFields(value, string.Empty)
            : throw new MemoryValidationException($"{what} must be an object (found {JsonTypeNames.Of(value)}).");

    /// <summary>Whether the object has the field at all (for the fields a format revision added, absent from older files).</summary>
    public bool Has(string name) => element.TryGetProperty(name, out _);

    /// <summary>A string that may not be null.</summary>
    public string String(string name) =>
        Get(name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw Wrong(name, "a string", Get(name));

    /// <summary>A string, or null.</summary>
    public string? OptionalString(string name)
    {
        var value = Get(name);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            _ => throw Wrong(name, "a string or null", value),
        };
    }

    /// <summary>A whole number within <see cref="int"/>'s range.</summary>
    public int Int32(string name) => (int)Integer(name, int.MinValue, int.MaxValue);

    /// <summary>A whole number within <see cref="long"/>'s range.</summary>
    public long Int64(string name) => Integer(name, long.MinValue, long.MaxValue);

    /// <summary>A number.</summary>
    public double Double(string name) =>
        Get(name).ValueKind == JsonValueKind.Number ? OptionalDouble(name)!.Value : throw Wrong(name, "a number", Get(name));

    /// <summary>A number, or null.</summary>
    public double? OptionalDouble(string name)
    {
        var value = Get(name);
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDouble(out double number) && double.IsFinite(number) => number,
            JsonValueKind.Number => throw new MemoryValidationException($"'{Path(name)}' is {value.GetRawText()}, out of range for a number."),
            JsonValueKind.Null => null,
            _ => throw Wrong(name, "a number or null", value),
        };
    }

    /// <summary><c>true</c> or <c>false</c>.</summary>
    public bool Boolean(string name)
    {
        var value = Get(name);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "true or false", value),
        };
    }

    /// <summary>A lower-case enum name the writer wrote.</summary>
    public T Enum<T>(string name)
        where T : struct, Enum
    {
        string text = String(name);
        return EnumNames.TryParse<T>(text, out var value)
            ? value
            : throw new MemoryValidationException($"'{Path(name)}' is '{text}', not one of {EnumNames.Choices<T>()}.");
    }

    /// <summary>A memory id.</summary>
    public MemoryId Id(string name)
    {
        string text = String(name);
        return MemoryId.TryParse(text, out var id)
            ? id
            : throw new MemoryValidationException($"'{Path(name)}' is '{text}', not a memory id: expected 26 Crockford base-32 characters such as 01JD3Z5Q8Y4V6N2K7M9P0R1S2T.");
    }

    /// <summary>
    /// A time, or null; <paramref name="keepOffset"/> keeps the offset written (an event start), otherwise it is read as UTC
    /// (<c>Z</c>, or no offset, is UTC: what an archive of earlier builds holds).
    /// </summary>
    public DateTimeOffset? OptionalTime(string name, bool keepOffset = false)
    {
        if (OptionalString(name) is not { } text)
        {
            return null;
        }

        var styles = keepOffset ? DateTimeStyles.AssumeUniversal : DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, styles, out var time)
            ? time
            : throw new MemoryValidationException($"'{Path(name)}' is '{text}', not a date and time (such as 2024-07-01T10:00:00.0000000Z).");
    }

    /// <summary>A time that may not be null, read as UTC.</summary>
    public DateTimeOffset Time(string name) =>
        Get(name).ValueKind == JsonValueKind.String ? OptionalTime(name)!.Value : throw Wrong(name, "a date and time", Get(name));

    /// <summary>A nested object.</summary>
    public ArchiveFields Object(string name) =>
        Get(name).ValueKind == JsonValueKind.Object ? OptionalObject(name)!.Value : throw Wrong(name, "an object", Get(name));

    /// <summary>A nested object, or null.</summary>
    public ArchiveFields? OptionalObject(string name)
    {
        var value = Get(name);
        return value.ValueKind switch
        {
            JsonValueKind.Object => new ArchiveFields(value, Path(name) + "."),
            JsonValueKind.Null => null,
            _ => throw Wrong(name, "an object or null", value),
        };
    }

    /// <summary>An array of objects, each named <c>name[i]</c> in errors.</summary>
    public IEnumerable<ArchiveFields> Objects(string name)
    {
        string path = Path(name);
        return Array(name).Select((item, i) => string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]") is var at && item.ValueKind == JsonValueKind.Object
            ? new ArchiveFields(item, at + ".")
            : throw new MemoryValidationException($"'{at}' must be an object (found {JsonTypeNames.Of(item)})."));
    }

    /// <summary>The raw elements of an array (each is read by the caller).</summary>
    public JsonElement.ArrayEnumerator Array(string name)
    {
        var value = Get(name);
        return value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : throw Wrong(name, "an array", value);
    }

    /// <summary>An array of strings, none null.</summary>
    public List<string> Strings(string name)
    {
        var strings = new List<string>();
        foreach (var item in Array(name))
        {
            strings.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new MemoryValidationException(string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}[{strings.Count}]' must be a string (found {JsonTypeNames.Of(item)}).")));
        }

        return strings;
    }

    private long Integer(string name, long min, long max)
    {
        var value = Get(name);
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Wrong(name, "an integer", value);
        }

        // A whole number is one whatever its spelling (1, 1.0, 1e3): what matters is its value and its range. Past decimal's
        // range (about 7.9e28) a number is out of every integer's.
        bool inDecimal = value.TryGetDecimal(out decimal number);
        if (inDecimal && number != decimal.Truncate(number))
        {
            throw new MemoryValidationException($"'{Path(name)}' must be an integer (found {value.GetRawText()}).");
        }

        return inDecimal && number >= min && number <= max
            ? (long)number
            : throw new MemoryValidationException(string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}' is {value.GetRawText()}, out of range (from {min} to {max})."));
    }

    private JsonElement Get(string name) =>
        element.TryGetProperty(name, out var value) ? value : throw new MemoryValidationException($"'{Path(name)}' is missing.");

    private string Path(string name) => prefix + name;

    private MemoryValidationException Wrong(string name, string expected, JsonElement found) =>
        new($"'{Path(name)}' must be {expected} (found {JsonTypeNames.Of(found)}).");
}
