using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore.Import;

/// <summary>
/// Reads memories exported from Mem0 (<c>get_all</c> / export: a JSON array, or an object with a <c>results</c> array, of
/// objects with <c>id</c>, <c>memory</c>, <c>hash</c>, <c>metadata</c>, <c>categories</c>, <c>created_at</c>,
/// <c>updated_at</c>, <c>user_id</c>, <c>agent_id</c>, <c>run_id</c>) into memory items of one cube.
/// </summary>
/// <remarks>
/// Mapping: <c>memory</c> is the text; <c>user_id</c>, <c>agent_id</c> and <c>run_id</c> become the scope's user, agent
/// and session; <c>id</c> is kept as the provenance reference <c>mem0:ID</c> (source <see cref="SourceKind.Document"/>,
/// actor <c>actor_id</c> when given, else <c>mem0</c>); <c>created_at</c> is the recorded time (and the new id's time),
/// <c>updated_at</c> the version's time; <c>categories</c> become tags; each <c>metadata</c> entry becomes a tag
/// <c>mem0.meta.KEY=VALUE</c> (non-string values as compact JSON); <c>hash</c> becomes the tag <c>mem0.hash=HASH</c>;
/// every memory is tagged <c>mem0</c>. A category or metadata entry longer than a tag may be
/// (<see cref="ContentRules.MaxLabelLength"/> characters) is kept in the memory's context instead, one line each
/// (<c>mem0.category=CATEGORY</c>, <c>mem0.meta.KEY=VALUE</c>), categories first, then metadata by key; so is each past
/// the most tags a memory may carry (<see cref="MemoryOSOptions.MaxLabels"/>, which counts the <c>mem0</c> and hash tags,
/// always kept).
/// <para>
/// A field the file has must be of its type, or the memory is refused naming the field, the memory (its position and
/// id) and the JSON type found: read as absent, <c>"categories":"finance"</c> vanished and a numeric <c>user_id</c> made a
/// user's memory the whole cube's. The exceptions are what other exporters write: a number for <c>id</c>,
/// <c>user_id</c>, <c>agent_id</c> or <c>run_id</c> is taken as its text, and a number for <c>created_at</c> or
/// <c>updated_at</c> as seconds since 1970 (milliseconds are not detected: a millisecond time after 1978 read as seconds
/// lies past the year 9999 and is refused). JSON <c>null</c> counts as absent for every field but <c>id</c>, <c>memory</c>
/// and <c>created_at</c>, which a memory must have.
/// </para>
/// <para>
/// Read for an importer (<see cref="ReadFile(string, Scope, string, int?, int?)"/>), the memories are the importer's, as an add's
/// are: an importer that names a user (or an agent) refuses a memory naming another with
/// <see cref="AccessDeniedException"/>, and stamps its own on a memory naming none (a memory without a <c>run_id</c> gets
/// its session too). Only an importer of no user and no agent, the tenant's, keeps the users and agents the file names.
/// </para>
/// </remarks>
public static class Mem0Reader
{
    private const decimal MinEpochSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z
    private const decimal MaxEpochSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    /// <summary>
    /// Reads the Mem0 export file at <paramref name="path"/> as the tenant imports it, keeping the users and agents it
    /// names: see <see cref="ReadFile(string, Scope, string, int?, int?)"/>.
    /// </summary>
    public static IReadOnlyList<MemoryItem> ReadFile(string path, string tenant, string cubeId, int? maxContentBytes = null, int? maxLabels = null) =>
        ReadFile(path, new Scope(tenant), cubeId, maxContentBytes, maxLabels);

    /// <summary>
    /// Reads the Mem0 export file at <paramref name="path"/> as <paramref name="importer"/> writes it (see the remarks on
    /// whose memories they are): bytes that are not UTF-8 are refused with their position (a lenient decode would import
    /// them silently as U+FFFD); errors name the file.
    /// </summary>
    /// <exception cref="MemoryValidationException">The file is not a Mem0 export, or a memory in it is one the facade would refuse.</exception>
    /// <exception cref="AccessDeniedException">A memory names a user or agent other than the one <paramref name="importer"/> names.</exception>
    public static IReadOnlyList<MemoryItem> ReadFile(string path, Scope importer, string cubeId, int? maxContentBytes = null, int? maxLabels = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(importer);
        byte[] bytes = File.ReadAllBytes(path);
        if (Utf8Validation.DescribeInvalid(bytes) is { } invalid)
        {
            throw new MemoryValidationException($"{path}: not a Mem0 export: {invalid}.");
        }

        var text = bytes.AsSpan();
        if (text.StartsWith(System.Text.Encoding.UTF8.Preamble))
        {
            text = text[System.Text.Encoding.UTF8.Preamble.Length..];
        }

        try
        {
            return Read(System.Text.Encoding.UTF8.GetString(text), importer, cubeId, maxContentBytes, maxLabels);
        }
        catch (MemoryValidationException ex)
        {
            throw new MemoryValidationException($"{path}: {ex.Message}", ex);
        }
        catch (AccessDeniedException ex)
        {
            throw new AccessDeniedException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Reads a Mem0 export (its text) into items for cube <paramref name="cubeId"/> of <paramref name="tenant"/>, as the
    /// tenant imports it (the users and agents the file names are kept). The items are
    /// checked as the facade checks a memory before it is stored (text within <paramref name="maxContentBytes"/>, default
    /// <see cref="MemoryOSOptions.MaxContentBytes"/>'s; tags within <see cref="ContentRules.MaxLabelLength"/>, at most
    /// <paramref name="maxLabels"/> of them, default <see cref="MemoryOSOptions.MaxLabels"/>'s): they go to
    /// the store directly, and one the facade would refuse fails every later update of it. The actor and the source
    /// reference are held to a draft's rules too: trimmed, a blank actor counts as absent, no NUL, at most
    /// <see cref="ContentRules.MaxReferenceBytes"/> bytes.
    /// </summary>
    public static IReadOnlyList<MemoryItem> Read(string json, string tenant, string cubeId, int? maxContentBytes = null, int? maxLabels = null) =>
        Read(json, new Scope(tenant), cubeId, maxContentBytes, maxLabels);

    /// <summary>
    /// <see cref="Read(string, string, string, int?, int?)"/> for <paramref name="importer"/>, whose memories they become (see the
    /// remarks).
    /// </summary>
    /// <exception cref="AccessDeniedException">A memory names a user or agent other than the one <paramref name="importer"/> names.</exception>
    public static IReadOnlyList<MemoryItem> Read(string json, Scope importer, string cubeId, int? maxContentBytes = null, int? maxLabels = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(importer);
        var defaults = new MemoryOSOptions();
        int limit = maxContentBytes ?? defaults.MaxContentBytes;
        int labels = maxLabels ?? defaults.MaxLabels;
        ArgumentOutOfRangeException.ThrowIfLessThan(labels, 1, nameof(maxLabels));
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new MemoryValidationException($"Not a Mem0 export: invalid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            var list = doc.RootElement.ValueKind switch
            {
                JsonValueKind.Array => doc.RootElement,
                JsonValueKind.Object when doc.RootElement.TryGetProperty("results", out var r) && r.ValueKind == JsonValueKind.Array => r,
                _ => throw new MemoryValidationException("Not a Mem0 export: expected a JSON array of memories or an object with a 'results' array."),
            };
            var items = new List<MemoryItem>();
            int index = 0;
            foreach (var m in list.EnumerateArray())
            {
                MemoryItem item;
                try
                {
                    item = ReadOne(m, importer.Tenant, cubeId, limit, labels);
                }
                catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException or AgentMemException)
                {
                    throw new MemoryValidationException($"Mem0 memory #{index + 1}{IdLabel(m)}: {ex.Message}", ex);
                }

                items.Add(ImportedBy(item, importer, index));
                index++;
            }

            return items;
        }
    }

    private static MemoryItem ReadOne(JsonElement m, string tenant, string cubeId, int maxContentBytes, int maxLabels)
    {
        if (m.ValueKind != JsonValueKind.Object)
        {
            throw new MemoryValidationException($"a memory must be a JSON object (found {JsonTypeNames.Of(m)}).");
        }

        string id = Text(m, "id", required: true, numbers: true)!;
        string text = Text(m, "memory", required: true)!;
        ContentRules.ValidateText(text, maxContentBytes, $"text of Mem0 memory {id}");
        var created = Time(m, "created_at", required: true).GetValueOrDefault();
        var updated = Time(m, "updated_at") ?? created;
        var tags = new List<string> { "mem0" };
        string? hash = Text(m, "hash");
        // What is too long for a tag (a URL, a JSON object, a note), or past the most tags a memory may carry (the mem0 and
        // hash tags kept), goes to the context, one line each: refused, it refused the whole file for how the importer maps
        // metadata, not for anything wrong with the memory.
        int room = maxLabels - 1 - (hash is null ? 0 : 1);
        var context = new List<string>();
        foreach (string category in Categories(m))
        {
            if (category.Length <= ContentRules.MaxLabelLength && tags.Count <= room)
            {
                tags.Add(category);
            }
            else
            {
                context.Add($"mem0.category={category}");
            }
        }

        if (Field(m, "metadata", required: false) is { } meta)
        {
            if (meta.ValueKind != JsonValueKind.Object)
            {
                throw new MemoryValidationException($"'metadata' must be an object (found {JsonTypeNames.Of(meta)}).");
            }

            foreach (var p in meta.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                string entry = $"mem0.meta.{p.Name}={(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}".Trim();
                (entry.Length <= ContentRules.MaxLabelLength && tags.Count <= room ? tags : context).Add(entry);
            }
        }

        if (hash is not null)
        {
            tags.Add($"mem0.hash={hash}");
        }

        var scope = new Scope(tenant, Text(m, "user_id", numbers: true), Text(m, "agent_id", numbers: true), Text(m, "run_id", numbers: true));
        ScopeNames.RequireNewAuthor(scope); // new names here, as for an add through the facade
        return new MemoryItem
        {
            Id = MemoryId.At(created),
            CubeId = cubeId,
            Scope = scope,
            Text = text,
            ContentHash = ContentRules.ComputeHash(MemoryKind.Plaintext, text, null),
            // Checked as the facade checks a draft's (trimmed, blank as absent, no NUL, at most 1 KiB): PostgreSQL refused a
            // NUL, and SQLite stored one its cube's export could then not import.
            Provenance = new Provenance(
                SourceKind.Document,
                ContentRules.Optional($"mem0:{id}", ContentRules.MaxReferenceBytes, $"source reference of Mem0 memory {id}"),
                ContentRules.Optional(Text(m, "actor_id"), ContentRules.MaxReferenceBytes, $"actor of Mem0 memory {id}") ?? "mem0",
                created),
            Tags = ContentRules.NormalizeLabels(tags, $"tag of Mem0 memory {id}", maxLabels),
            Context = ContentRules.Optional(string.Join('\n', context), ContentRules.MaxNoteBytes, $"context of Mem0 memory {id}"),
            UpdatedAt = updated,
        };
    }

    /// <summary><paramref name="item"/> as <paramref name="importer"/> writes it (<see cref="ImportAuthor"/>).</summary>
    private static MemoryItem ImportedBy(MemoryItem item, Scope importer, int index) =>
        item with
        {
            Scope = ImportAuthor.Stamp(item.Scope, importer, (what, named) => new AccessDeniedException(
                $"Mem0 memory #{index + 1} ({item.Provenance.SourceRef}) names {what} '{named}' ({what}_id), but scope {importer} imports it, "
                + $"and an import writes as its caller: remove the {what}_id, or import as the tenant (no user, no agent) to keep the file's users and agents. Nothing was stored.")),
        };

    /// <summary>" (id ID)" for a memory whose id can be read, to name it in an error; empty otherwise.</summary>
    private static string IdLabel(JsonElement m) =>
        m.ValueKind == JsonValueKind.Object && m.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number
            && (id.ValueKind == JsonValueKind.Number ? id.GetRawText() : id.GetString()) is { Length: > 0 } text
            ? $" (id {text})"
            : string.Empty;

    /// <summary>
    /// The field's value; null when the memory has no such field, or (an optional field) has it as JSON null, which Mem0
    /// writes for what a memory has not (<c>agent_id</c>, <c>run_id</c>, <c>updated_at</c>, <c>metadata</c>).
    /// </summary>
    private static JsonElement? Field(JsonElement m, string name, bool required)
    {
        if (!m.TryGetProperty(name, out var value))
        {
            return required ? throw new MemoryValidationException($"'{name}' is missing.") : null;
        }

        return value.ValueKind == JsonValueKind.Null && !required ? null : value;
    }

    /// <summary>
    /// A text field: a string, or (<paramref name="numbers"/>, for ids) a number as it is written; an empty string counts
    /// as absent for an optional field. Any other type is refused naming it.
    /// </summary>
    private static string? Text(JsonElement m, string name, bool required = false, bool numbers = false)
    {
        if (Field(m, name, required) is not { } value)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String when value.GetString() is { Length: > 0 } text => text,
            JsonValueKind.String => required ? throw new MemoryValidationException($"'{name}' is an empty string.") : null,
            JsonValueKind.Number when numbers => value.GetRawText(),
            _ => throw new MemoryValidationException($"'{name}' must be a string{(numbers ? " or a number" : string.Empty)} (found {JsonTypeNames.Of(value)})."),
        };
    }

    /// <summary>A time field: an ISO 8601 string (UTC unless it has an offset), or a number of seconds since 1970.</summary>
    private static DateTimeOffset? Time(JsonElement m, string name, bool required = false)
    {
        if (Field(m, name, required) is not { } value)
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                string text = value.GetString()!;
                if (text.Length == 0 && !required)
                {
                    return null;
                }

                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                    ? time
                    : throw new MemoryValidationException($"'{name}' is '{text}', not a date and time (such as 2024-07-01T10:00:00Z).");
            case JsonValueKind.Number:
                // Seconds, as Unix tools and Python's time.time() write them. Milliseconds are not guessed at: one after 1978,
                // read as seconds, is past the year 9999 and refused here, so none is ever misread as a far-future time.
                if (value.TryGetDecimal(out decimal seconds) && seconds >= MinEpochSeconds && seconds <= MaxEpochSeconds)
                {
                    return DateTimeOffset.UnixEpoch.AddTicks((long)decimal.Round(seconds * TimeSpan.TicksPerSecond));
                }

                throw new MemoryValidationException($"'{name}' is {value.GetRawText()}, which read as seconds since 1970 is not a time in the years 1 to 9999 (a time in milliseconds must be divided by 1,000).");
            default:
                throw new MemoryValidationException($"'{name}' must be a date and time string or a number of seconds since 1970 (found {JsonTypeNames.Of(value)}).");
        }
    }

    /// <summary>The categories, trimmed, blank and null ones skipped; a category of any other type is refused.</summary>
    private static List<string> Categories(JsonElement m)
    {
        if (Field(m, "categories", required: false) is not { } categories)
        {
            return [];
        }

        if (categories.ValueKind != JsonValueKind.Array)
        {
            throw new MemoryValidationException($"'categories' must be an array of strings (found {JsonTypeNames.Of(categories)}).");
        }

        var read = new List<string>();
        int position = 0;
        foreach (var category in categories.EnumerateArray())
        {
            position++;
            if (category.ValueKind == JsonValueKind.String)
            {
                if (category.GetString()!.Trim() is { Length: > 0 } text)
                {
                    read.Add(text);
                }
            }
            else if (category.ValueKind != JsonValueKind.Null)
            {
                throw new MemoryValidationException($"'categories' must be an array of strings: item {position} is not (found {JsonTypeNames.Of(category)}).");
            }
        }

        return read;
    }
}
