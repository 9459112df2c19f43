using AgentMem.Common.Text;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore.Export;

/// <summary>
/// Reads the <c>agentmem.cube</c> JSON Lines format back into a <see cref="CubeArchive"/>. Any problem (bad JSON, a
/// missing or mistyped field, an unknown format version) is a <see cref="MemoryValidationException"/> naming the line,
/// and for a problem in a memory's version that version (its position in the line's <c>versions</c>, from 1); a field
/// missing, of another JSON type or out of range is named by its path with the type found
/// (<c>line 3, version 2: 'recallCount' must be an integer (found string).</c>).
/// </summary>
public static class CubeArchiveReader
{
    /// <summary>
    /// Reads the archive file at <paramref name="path"/>: its bytes are checked as they stream (an export may be 2 GiB or
    /// more, which no array holds), bytes that are not UTF-8 refused with their position (a lenient decode would restore
    /// them silently as U+FFFD, not "exactly"); errors name the file. The archive it returns holds every memory, so it
    /// takes memory in proportion to the file (about 1.8 times its size).
    /// </summary>
    /// <param name="path">The archive file.</param>
    /// <param name="tenant">Replaces the tenant the file names.</param>
    /// <param name="progress">Told after each memory line is read: the memories read and the number the header announces.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    public static async Task<CubeArchive> ReadFileAsync(string path, string tenant, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var checkedBytes = new Utf8ValidatingStream(file, invalid => new MemoryValidationException($"not an agentmem.cube archive: {invalid}."));
        using var reader = new StreamReader(checkedBytes, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        try
        {
            return await ReadAsync(reader, tenant, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (MemoryValidationException ex)
        {
            throw new MemoryValidationException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Reads an archive. <paramref name="tenant"/> replaces the tenant the file names (imports land in the caller's tenant);
    /// <paramref name="progress"/> is told after each memory line, with the memories read and the number the header
    /// announces.
    /// </summary>
    public static async Task<CubeArchive> ReadAsync(TextReader reader, string tenant, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
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
            (cube, expected, embeddingHeader) = Guard(() => "line 1", () =>
            {
                var fields = ArchiveFields.Of(root, "the header");
                string format = fields.String("format");
                if (format != CubeArchive.FormatName)
                {
                    throw new MemoryValidationException($"the format is '{format}', not '{CubeArchive.FormatName}'.");
                }

                int version = fields.Int32("version");
                if (version != CubeArchive.FormatVersion)
                {
                    throw new MemoryValidationException($"format version {version} is not supported (this build reads version {CubeArchive.FormatVersion}).");
                }

                var read = ReadCube(fields.Object("cube"), tenant);
                int memories = fields.Int32("memories");
                // Dimensions of 0 are what the writer records for a cube with no vector stored yet (embedded lazily, at the
                // first search); a vector under such a header is refused where it is read, before an import restores the cube.
                ArchivedEmbeddingsHeader? embeddings = null;
                if (fields.OptionalObject("embeddings") is { } e)
                {
                    string model = ScopeNames.Require(e.String("model"), "embedder");
                    int dimensions = e.Int32("dimensions");
                    embeddings = dimensions >= 0
                        ? new ArchivedEmbeddingsHeader(model, dimensions)
                        : throw new MemoryValidationException($"'embeddings.dimensions' is {dimensions}; it must not be negative.");
                }

                return (read, memories, embeddings);
            });
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
            string at = Line(lineNumber);
            var history = Guard(() => at, () =>
            {
                var fields = ArchiveFields.Of(root, "a memory line");
                var id = fields.Id("id");
                if (previous is { } p && id.CompareTo(p) <= 0)
                {
                    throw new MemoryValidationException($"memory {id} is out of order or repeated (memories are sorted by id).");
                }

                var versions = new List<MemoryItem>();
                string whole = at;
                foreach (var v in fields.Array("versions"))
                {
                    // A problem in a version is named with it: a memory may have many, and its line many megabytes.
                    at = string.Create(CultureInfo.InvariantCulture, $"{whole}, version {versions.Count + 1}");
                    var item = ReadVersion(ArchiveFields.Of(v, "a version"), id, cube.Id, tenant);
                    if (item.Version != (versions.Count == 0 ? item.Version : versions[^1].Version + 1) || item.Version < 1)
                    {
                        throw new MemoryValidationException($"memory {id}: versions must be consecutive and ascending from 1 or more.");
                    }

                    versions.Add(item);
                }

                at = whole;
                if (versions.Count == 0)
                {
                    throw new MemoryValidationException($"memory {id} has no versions.");
                }

                // Only written with --embeddings, so it may be absent.
                if ((fields.Has("embedding") ? fields.OptionalObject("embedding") : null) is { } e)
                {
                    if (embeddingHeader is null)
                    {
                        throw new MemoryValidationException($"memory {id} has an embedding but the header declares none.");
                    }

                    // A long memory's vector holds its text's vector, then one per passage group: a whole multiple.
                    var vector = Decode(e.String("vector"));
                    if (vector.Length == 0 || embeddingHeader.Dimensions < 1 || vector.Length % embeddingHeader.Dimensions != 0)
                    {
                        throw new MemoryValidationException($"memory {id}: the embedding has {vector.Length} values, not a whole positive multiple of the header's {embeddingHeader.Dimensions} dimensions.");
                    }

                    if (VectorValues.DescribeNonFinite(vector) is { } bad)
                    {
                        throw new MemoryValidationException($"memory {id}: the embedding has {bad}.");
                    }

                    vectors[id] = new StoredEmbedding(id, e.String("textHash"), vector);
                }

                previous = id;
                return (IReadOnlyList<MemoryItem>)versions;
            });
            memories.Add(history);
            progress?.Report((memories.Count, expected));
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

    private static string Line(int lineNumber) => string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}");

    /// <summary>Runs <paramref name="read"/>, prefixing a refusal with where it was (<paramref name="at"/>, asked only then).</summary>
    private static T Guard<T>(Func<string> at, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (MemoryValidationException ex)
        {
            throw new MemoryValidationException($"{at()}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or AgentMemException)
        {
            throw new MemoryValidationException($"{at()}: {ex.Message}", ex);
        }
    }

    private static MemCube ReadCube(ArchiveFields c, string tenant)
    {
        var grants = c.Objects("grants")
            .Select(g => new CubeGrant(g.OptionalString("user"), g.OptionalString("agent"), g.Enum<CubeAccess>("access")))
            .ToList();
        var p = c.Object("policy");
        return new MemCube
        {
            Id = CubeId(c.String("id")),
            Name = ScopeNames.Require(c.String("name"), "cube"),
            // Checked as a new cube's is; a NUL, which older stores kept, is replaced rather than refusing the whole restore.
            Description = ContentRules.Optional(c.OptionalString("description") is { } d ? ContentRules.ReplaceUnstorable(d) : null, ContentRules.MaxNoteBytes, "cube description"),
            Owner = ReadScope(c.Object("owner"), tenant),
            Grants = CubeAccessPolicy.ValidateGrants(grants), // an archive is data: the rules a host applies hold for it too
            Policy = MemoryOS.ValidatePolicy(new CubePolicy
            {
                Deduplicate = p.Boolean("deduplicate"),
                RetentionDays = p.Int32("retentionDays"),

                // Added later: archives written before it have no such field and never hard-delete.
                HardDeleteAfterDays = p.Has("hardDeleteAfterDays") ? p.Int32("hardDeleteAfterDays") : 0,
                MaxItems = p.Int32("maxItems"),
                ContextTokenBudget = p.Int32("contextTokenBudget"),
                ForgettingThreshold = p.OptionalDouble("forgettingThreshold"),
            }),
            CreatedAt = c.Time("createdAt"),
            UpdatedAt = c.Time("updatedAt"),
        };
    }

    // Cube ids are made as memory ids are (MemoryOS.CreateCubeAsync), and the retrieval state names a cube's index folder
    // after its id: an archive edited to "../.." imported, and deleting that cube deleted the database's own folder.
    private static string CubeId(string id) => MemoryId.TryParse(id, out var parsed)
        ? parsed.ToString() // the canonical form, as memory ids are kept
        : throw new MemoryValidationException($"the cube id '{id}' is not an id: expected 26 Crockford base-32 characters such as 01JD3Z5Q8Y4V6N2K7M9P0R1S2T.");

    // A value the facade refuses, restored as is, failed later: every update of the memory re-validates it (a tag edit, a
    // merge, a note's evolution), and a forgetting threshold of 1.5 archived the whole cube on the next run.
    private static MemoryItem ReadVersion(ArchiveFields v, MemoryId id, string cubeId, string tenant)
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

    private static MemoryItem ReadVersionAsWritten(ArchiveFields v, MemoryId id, string cubeId, string tenant)
    {
        var prov = v.Object("provenance");
        var payload = v.OptionalObject("payload") is { } p
            ? new PayloadRef(p.String("uri"), p.String("mediaType"), p.Int64("sizeBytes"), p.String("sha256"))
            : null;
        return new MemoryItem
        {
            Id = id,
            CubeId = cubeId,
            Version = v.Int32("version"),
            State = v.Enum<LifecycleState>("state"),
            StateReason = Checked(v.OptionalString("stateReason"), "state reason"),
            Kind = v.Enum<MemoryKind>("kind"),
            Text = Checked(v.String("text"), "memory text")!,
            Payload = payload,
            ContentHash = v.String("contentHash"),
            Scope = ReadScope(v.Object("scope"), tenant),
            Provenance = new Provenance(prov.Enum<SourceKind>("source"), Checked(prov.OptionalString("sourceRef"), "source reference"), Checked(prov.OptionalString("actor"), "actor"), prov.Time("recordedAt")),
            ValidFrom = v.OptionalTime("validFrom", keepOffset: true), // at the offset the file gives it: the speaker's day
            ValidTo = v.OptionalTime("validTo"),
            Tags = [.. v.Strings("tags").Select(t => Checked(t, "tag")!)],
            Keywords = [.. v.Strings("keywords").Select(k => Checked(k, "keyword")!)],
            Context = Checked(v.OptionalString("context"), "context"),
            Importance = v.Double("importance"),
            Strength = v.Double("strength"),
            LastRecalledAt = v.OptionalTime("lastRecalledAt"),
            RecallCount = v.Int32("recallCount"),
            Links = ContentRules.ValidateLinks([.. v.Objects("links").Select(l => new MemoryLink(l.Id("target"), l.String("type"), l.Double("weight"), l.OptionalString("reason")))]),
            UpdatedAt = v.Time("updatedAt"),
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

    private static Scope ReadScope(ArchiveFields s, string tenant) => new(tenant, s.OptionalString("user"), s.OptionalString("agent"), s.OptionalString("session"));

    private static float[] Decode(string base64)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException ex)
        {
            throw new MemoryValidationException("'embedding.vector' is not base64.", ex);
        }

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
