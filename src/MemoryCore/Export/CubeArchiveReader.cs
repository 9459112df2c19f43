using AgentMem.Common.Text;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore.Export;

/// <summary>
/// Reads the <c>agentmem.cube</c> JSON Lines format back into a <see cref="CubeArchive"/>. Any problem (bad JSON, a
/// missing or mistyped field, an unknown format version) is a <see cref="MemoryValidationException"/> naming the line.
/// </summary>
public static class CubeArchiveReader
{
    /// <summary>
    /// Reads the archive file at <paramref name="path"/>, as it streams (an export may be 2 GiB or more, which no array
    /// holds): bytes that are not UTF-8 are refused with their position (a lenient decode would restore them silently as
    /// U+FFFD, not "exactly"); errors name the file.
    /// </summary>
    public static async Task<CubeArchive> ReadFileAsync(string path, string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var checkedBytes = new Utf8ValidatingStream(file, invalid => new MemoryValidationException($"not an agentmem.cube archive: {invalid}."));
        using var reader = new StreamReader(checkedBytes, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        try
        {
            return await ReadAsync(reader, tenant, cancellationToken).ConfigureAwait(false);
        }
        catch (MemoryValidationException ex)
        {
            throw new MemoryValidationException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Reads an archive. <paramref name="tenant"/> replaces the tenant the file names (imports land in the caller's tenant).</summary>
    public static async Task<CubeArchive> ReadAsync(TextReader reader, string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int lineNumber = 0;
        string? line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        lineNumber++;
        if (line is null)
        {
            throw new MemoryValidationException("line 1: the file is empty; expected an agentmem.cube header.");
        }

        MemCube cube;
        ArchivedEmbeddingsHeader? embeddingHeader;
        int expected;
        using (var header = Parse(line, lineNumber))
        {
            var root = header.RootElement;
            cube = Guard(lineNumber, () =>
            {
                string format = Str(root, "format");
                if (format != CubeArchive.FormatName)
                {
                    throw new MemoryValidationException($"the format is '{format}', not '{CubeArchive.FormatName}'.");
                }

                int version = root.GetProperty("version").GetInt32();
                if (version != CubeArchive.FormatVersion)
                {
                    throw new MemoryValidationException($"format version {version} is not supported (this build reads version {CubeArchive.FormatVersion}).");
                }

                return ReadCube(root.GetProperty("cube"), tenant);
            });
            expected = Guard(lineNumber, () => root.GetProperty("memories").GetInt32());
            // Dimensions of 0 are what the writer records for a cube with no vector stored yet (embedded lazily, at the first
            // search); a vector under such a header is refused where it is read, before an import restores the cube.
            embeddingHeader = Guard(lineNumber, () => root.GetProperty("embeddings") is { ValueKind: JsonValueKind.Object } e
                ? new ArchivedEmbeddingsHeader(ScopeNames.Require(Str(e, "model"), "embedder"), e.GetProperty("dimensions").GetInt32() is >= 0 and var dimensions
                    ? dimensions
                    : throw new MemoryValidationException($"the embeddings' dimensions are {e.GetProperty("dimensions").GetInt32()}; they must not be negative."))
                : null);
        }

        var memories = new List<IReadOnlyList<MemoryItem>>();
        var vectors = new Dictionary<MemoryId, StoredEmbedding>();
        MemoryId? previous = null;
        while ((line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)) is not null)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            using var doc = Parse(line, lineNumber);
            var root = doc.RootElement;
            int n = lineNumber;
            var history = Guard(n, () =>
            {
                var id = MemoryId.Parse(Str(root, "id"));
                if (previous is { } p && id.CompareTo(p) <= 0)
                {
                    throw new MemoryValidationException($"memory {id} is out of order or repeated (memories are sorted by id).");
                }

                var versions = new List<MemoryItem>();
                foreach (var v in root.GetProperty("versions").EnumerateArray())
                {
                    var item = ReadVersion(v, id, cube.Id, tenant);
                    if (item.Version != (versions.Count == 0 ? item.Version : versions[^1].Version + 1) || item.Version < 1)
                    {
                        throw new MemoryValidationException($"memory {id}: versions must be consecutive and ascending from 1 or more.");
                    }

                    versions.Add(item);
                }

                if (versions.Count == 0)
                {
                    throw new MemoryValidationException($"memory {id} has no versions.");
                }

                if (root.TryGetProperty("embedding", out var e) && e.ValueKind == JsonValueKind.Object)
                {
                    if (embeddingHeader is null)
                    {
                        throw new MemoryValidationException($"memory {id} has an embedding but the header declares none.");
                    }

                    // A long memory's vector holds its text's vector, then one per passage group: a whole multiple.
                    var vector = Decode(Str(e, "vector"));
                    if (vector.Length == 0 || embeddingHeader.Dimensions < 1 || vector.Length % embeddingHeader.Dimensions != 0)
                    {
                        throw new MemoryValidationException($"memory {id}: the embedding has {vector.Length} values, not a whole positive multiple of the header's {embeddingHeader.Dimensions} dimensions.");
                    }

                    if (VectorValues.DescribeNonFinite(vector) is { } bad)
                    {
                        throw new MemoryValidationException($"memory {id}: the embedding has {bad}.");
                    }

                    vectors[id] = new StoredEmbedding(id, Str(e, "textHash"), vector);
                }

                previous = id;
                return (IReadOnlyList<MemoryItem>)versions;
            });
            memories.Add(history);
        }

        if (memories.Count != expected)
        {
            throw new MemoryValidationException($"line {lineNumber}: the header announces {expected} memories but the file holds {memories.Count} (truncated?).");
        }

        var embeddings = embeddingHeader is null ? null : new ArchivedEmbeddings(embeddingHeader.Model, embeddingHeader.Dimensions, vectors);
        return new CubeArchive(cube, memories, embeddings);
    }

    private sealed record ArchivedEmbeddingsHeader(string Model, int Dimensions);

    private static JsonDocument Parse(string line, int lineNumber)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new MemoryValidationException($"line {lineNumber}: not valid JSON: {ex.Message}", ex);
        }
    }

    private static T Guard<T>(int lineNumber, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (MemoryValidationException ex)
        {
            throw new MemoryValidationException($"line {lineNumber}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or AgentMemException)
        {
            throw new MemoryValidationException($"line {lineNumber}: {ex.Message}", ex);
        }
    }

    private static MemCube ReadCube(JsonElement c, string tenant)
    {
        var grants = c.GetProperty("grants").EnumerateArray()
            .Select(g => new CubeGrant(OptStr(g, "user"), OptStr(g, "agent"), Enum<CubeAccess>(g, "access")))
            .ToList();
        var p = c.GetProperty("policy");
        return new MemCube
        {
            Id = CubeId(Str(c, "id")),
            Name = ScopeNames.Require(Str(c, "name"), "cube"),
            // Checked as a new cube's is; a NUL, which older stores kept, is replaced rather than refusing the whole restore.
            Description = ContentRules.Optional(OptStr(c, "description") is { } d ? ContentRules.ReplaceUnstorable(d) : null, ContentRules.MaxNoteBytes, "cube description"),
            Owner = ReadScope(c.GetProperty("owner"), tenant),
            Grants = CubeAccessPolicy.ValidateGrants(grants), // an archive is data: the rules a host applies hold for it too
            Policy = MemoryOS.ValidatePolicy(new CubePolicy
            {
                Deduplicate = p.GetProperty("deduplicate").GetBoolean(),
                RetentionDays = p.GetProperty("retentionDays").GetInt32(),

                // Added later: archives written before it have no such field and never hard-delete.
                HardDeleteAfterDays = p.TryGetProperty("hardDeleteAfterDays", out var ttl) ? ttl.GetInt32() : 0,
                MaxItems = p.GetProperty("maxItems").GetInt32(),
                ContextTokenBudget = p.GetProperty("contextTokenBudget").GetInt32(),
                ForgettingThreshold = p.GetProperty("forgettingThreshold") is { ValueKind: JsonValueKind.Number } f ? f.GetDouble() : null,
            }),
            CreatedAt = Time(c, "createdAt")!.Value,
            UpdatedAt = Time(c, "updatedAt")!.Value,
        };
    }

    // Cube ids are made as memory ids are (MemoryOS.CreateCubeAsync), and the retrieval state names a cube's index folder
    // after its id: an archive edited to "../.." imported, and deleting that cube deleted the database's own folder.
    private static string CubeId(string id) => MemoryId.TryParse(id, out var parsed)
        ? parsed.ToString() // the canonical form, as memory ids are kept
        : throw new MemoryValidationException($"the cube id '{id}' is not an id: expected 26 Crockford base-32 characters such as 01JD3Z5Q8Y4V6N2K7M9P0R1S2T.");

    // A value the facade refuses, restored as is, failed later: every update of the memory re-validates it (a tag edit, a
    // merge, a note's evolution), and a forgetting threshold of 1.5 archived the whole cube on the next run.
    private static MemoryItem ReadVersion(JsonElement v, MemoryId id, string cubeId, string tenant)
    {
        var item = ReadVersionAsWritten(v, id, cubeId, tenant);
        ContentRules.ValidatePayload(item.Kind, item.Payload); // code that loads, checks or erases payload files trusts it
        ContentRules.ValidateUnit(item.Importance, "importance");
        ContentRules.ValidateInterval(item.ValidFrom, item.ValidTo);
        if (item.Version < 1 || item.RecallCount < 0 || !double.IsFinite(item.Strength) || item.Strength <= 0)
        {
            throw new MemoryValidationException($"version {item.Version}, recall count {item.RecallCount} and strength {item.Strength}: a version is at least 1, a recall count not negative, a strength positive.");
        }

        // As written (an archive is restored exactly), but within the facade's limits.
        foreach (string tag in item.Tags)
        {
            ContentRules.ValidateLabel(tag, "tag");
        }

        foreach (string keyword in item.Keywords)
        {
            ContentRules.ValidateLabel(keyword, "keyword");
        }

        // Derived, so computed rather than trusted: a hash edited, or left stale by an edit of the text, made de-duplication
        // miss the memory (or match another one).
        return item with { ContentHash = ContentRules.ComputeHash(item.Kind, item.Text, item.Payload) };
    }

    private static MemoryItem ReadVersionAsWritten(JsonElement v, MemoryId id, string cubeId, string tenant)
    {
        var prov = v.GetProperty("provenance");
        var payload = v.GetProperty("payload") is { ValueKind: JsonValueKind.Object } p
            ? new PayloadRef(Str(p, "uri"), Str(p, "mediaType"), p.GetProperty("sizeBytes").GetInt64(), Str(p, "sha256"))
            : null;
        return new MemoryItem
        {
            Id = id,
            CubeId = cubeId,
            Version = v.GetProperty("version").GetInt32(),
            State = Enum<LifecycleState>(v, "state"),
            StateReason = Checked(OptStr(v, "stateReason"), "state reason"),
            Kind = Enum<MemoryKind>(v, "kind"),
            Text = Checked(Str(v, "text"), "memory text")!,
            Payload = payload,
            ContentHash = Str(v, "contentHash"),
            Scope = ReadScope(v.GetProperty("scope"), tenant),
            Provenance = new Provenance(Enum<SourceKind>(prov, "source"), Checked(OptStr(prov, "sourceRef"), "source reference"), Checked(OptStr(prov, "actor"), "actor"), Time(prov, "recordedAt")!.Value),
            ValidFrom = TimeAtOffset(v, "validFrom"),
            ValidTo = Time(v, "validTo"),
            Tags = [.. Strings(v, "tags").Select(t => Checked(t, "tag")!)],
            Keywords = [.. Strings(v, "keywords").Select(k => Checked(k, "keyword")!)],
            Context = Checked(OptStr(v, "context"), "context"),
            Importance = v.GetProperty("importance").GetDouble(),
            Strength = v.GetProperty("strength").GetDouble(),
            LastRecalledAt = Time(v, "lastRecalledAt"),
            RecallCount = v.GetProperty("recallCount").GetInt32(),
            Links = ContentRules.ValidateLinks([.. v.GetProperty("links").EnumerateArray().Select(l => new MemoryLink(MemoryId.Parse(Str(l, "target")), Str(l, "type"), l.GetProperty("weight").GetDouble(), OptStr(l, "reason")))]),
            UpdatedAt = Time(v, "updatedAt")!.Value,
        };
    }

    // Kept exactly as written, but checked as the facade checks what it stores (a NUL failed later on PostgreSQL). Blank is
    // white space alone here, not ContentRules.IsBlank: text of invisible characters alone ("\u200B") was stored before the
    // facade refused it, and a cube holding such a memory must still restore from its archive.
    private static string? Checked(string? value, string what)
    {
        if (value is not null)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new MemoryValidationException($"The {what} is empty or whitespace.");
            }

            ContentRules.ValidateStorable(value, what);
        }

        return value;
    }

    private static Scope ReadScope(JsonElement s, string tenant) => new(tenant, OptStr(s, "user"), OptStr(s, "agent"), OptStr(s, "session"));

    private static string Str(JsonElement e, string name) =>
        e.GetProperty(name).GetString() ?? throw new MemoryValidationException($"'{name}' must not be null.");

    private static string? OptStr(JsonElement e, string name) => e.GetProperty(name).GetString();

    private static List<string> Strings(JsonElement e, string name) =>
        [.. e.GetProperty(name).EnumerateArray().Select(s => s.GetString() ?? throw new MemoryValidationException($"'{name}' holds a null."))];

    /// <summary>An event start at the offset the file gives it (<c>Z</c>, or none, is UTC: what an archive of earlier builds holds).</summary>
    private static DateTimeOffset? TimeAtOffset(JsonElement e, string name) =>
        e.GetProperty(name).GetString() is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null;

    private static DateTimeOffset? Time(JsonElement e, string name) =>
        e.GetProperty(name).GetString() is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal) : null;

    private static T Enum<T>(JsonElement e, string name)
        where T : struct, Enum
    {
        string s = Str(e, name);
        return EnumNames.TryParse<T>(s, out var value)
            ? value
            : throw new MemoryValidationException($"'{name}' is '{s}', not a known {typeof(T).Name}.");
    }

    private static float[] Decode(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new MemoryValidationException("the embedding's length is not a whole number of float32 values.");
        }

        var vector = new float[bytes.Length / sizeof(float)];
        for (int i = 0; i < vector.Length; i++)
        {
            vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return vector;
    }
}
