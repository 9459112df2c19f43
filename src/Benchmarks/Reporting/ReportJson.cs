namespace AgentMem.Benchmarks.Reporting;

/// <summary>
/// How the JSON reports are written: indented UTF-8 text ending in a newline, undefined numbers and absent objects
/// as <c>null</c> (every key is always there), and latency percentiles under the same <c>p50</c>/<c>p95</c>/<c>p99</c> names.
/// </summary>
internal static class ReportJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true };

    /// <summary>Runs <paramref name="write"/> on an indented writer and returns the document text plus a final newline.</summary>
    public static string Render(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }

    /// <summary>Writes the property <paramref name="name"/> as a number, or null when undefined.</summary>
    public static void Number(Utf8JsonWriter w, string name, double? value)
    {
        w.WritePropertyName(name);
        NumberValue(w, value);
    }

    /// <summary>Writes a number, or null when undefined: JSON has no NaN or infinity.</summary>
    public static void NumberValue(Utf8JsonWriter w, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteNumberValue(v);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    /// <summary>Writes <paramref name="value"/> as the object property <paramref name="name"/>, or null when it is absent.</summary>
    /// <param name="w">The writer, inside an object.</param>
    /// <param name="name">The property name.</param>
    /// <param name="value">The value, or null.</param>
    /// <param name="writeProperties">Writes the value's properties between the object's braces.</param>
    public static void ObjectOrNull<T>(Utf8JsonWriter w, string name, T? value, Action<Utf8JsonWriter, T> writeProperties)
        where T : class
    {
        if (value is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        writeProperties(w, value);
        w.WriteEndObject();
    }

    /// <summary>Writes the properties <c>{prefix}p50</c>, <c>{prefix}p95</c> and <c>{prefix}p99</c>.</summary>
    public static void Percentiles(Utf8JsonWriter w, string prefix, double? p50, double? p95, double? p99)
    {
        Number(w, prefix + "p50", p50);
        Number(w, prefix + "p95", p95);
        Number(w, prefix + "p99", p99);
    }
}
