using System.Text.Encodings.Web;

namespace AgentMem.MemoryCore.Export;

/// <summary>
/// Writes a <see cref="CubeArchive"/> as JSON Lines: a header, then one line per memory in id order with its versions
/// ascending. Property order, number and time formats are fixed, so equal archives give byte-equal files.
/// </summary>
public static class CubeArchiveWriter
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>
    /// Reads a cube and all its memories (every state, every version) from a store, into memory: the archive takes memory
    /// in proportion to the cube. <paramref name="progress"/> is told after each memory read, with the memories read and
    /// the cube's count when the read began (others may write meanwhile, so the last may differ).
    /// </summary>
    public static async Task<CubeArchive> ReadAsync(IMemoryStore store, MemCube cube, string? embedder, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(cube);
        string tenant = cube.Owner.Tenant;
        var filter = new MemoryFilter { CubeId = cube.Id, States = Enum.GetValues<LifecycleState>() };
        var memories = new List<IReadOnlyList<MemoryItem>>();
        int total = progress is null ? 0 : (int)Math.Min(int.MaxValue, await store.CountAsync(tenant, filter, cancellationToken).ConfigureAwait(false));
        int read = 0;
        Identity.MemoryId? after = null;
        while (true)
        {
            var page = await store.ListAsync(tenant, filter, 500, after, cancellationToken).ConfigureAwait(false);
            foreach (var item in page)
            {
                // A memory purged since the page was listed (a TTL sweep, another node) has no history left: not exported.
                if (await store.GetHistoryAsync(tenant, item.Id, cancellationToken).ConfigureAwait(false) is { Count: > 0 } history)
                {
                    memories.Add(history);
                }

                read++;
                progress?.Report((read, Math.Max(read, total)));
            }

            if (page.Count < 500)
            {
                break;
            }

            after = page[^1].Id;
        }

        memories.Sort((a, b) => a[0].Id.CompareTo(b[0].Id));
        ArchivedEmbeddings? embeddings = null;
        if (embedder is not null)
        {
            var stored = await store.GetEmbeddingsAsync(tenant, cube.Id, embedder, null, cancellationToken).ConfigureAwait(false);
            embeddings = new ArchivedEmbeddings(embedder, UnitLength(stored), stored.ToDictionary(e => e.MemoryId));
        }

        return new CubeArchive(cube, memories, embeddings);
    }

    /// <summary>
    /// The length every stored vector is a whole multiple of (0 for none): the embedder's dimension whenever any memory is
    /// short. A long memory's embedding is its text's vector followed by one per passage group, so the first vector's
    /// length, which the header used to name, made import refuse every vector of another length.
    /// </summary>
    private static int UnitLength(IReadOnlyList<StoredEmbedding> stored)
    {
        int unit = 0;
        foreach (var e in stored)
        {
            for (int b = e.Vector.Length; b != 0;)
            {
                (unit, b) = (b, unit % b);
            }
        }

        return unit;
    }

    /// <summary>
    /// Writes the archive to <paramref name="stream"/>, one JSON object per line, each ending in <c>\n</c>;
    /// <paramref name="progress"/> is told after each memory, with the memories written and the archive's count.
    /// </summary>
    public static async Task WriteAsync(CubeArchive archive, Stream stream, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        WriteLine(buffer, w => WriteHeader(w, archive));
        await Flush(buffer, stream, cancellationToken).ConfigureAwait(false);
        int written = 0;
        foreach (var history in archive.Memories)
        {
            WriteLine(buffer, w => WriteMemory(w, history, archive.Embeddings));
            if (buffer.Length > 1 << 20)
            {
                await Flush(buffer, stream, cancellationToken).ConfigureAwait(false);
            }

            progress?.Report((++written, archive.Memories.Count));
        }

        await Flush(buffer, stream, cancellationToken).ConfigureAwait(false);
    }

    private static async Task Flush(MemoryStream buffer, Stream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
        buffer.SetLength(0);
    }

    private static void WriteLine(MemoryStream buffer, Action<Utf8JsonWriter> body)
    {
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            body(w);
        }

        buffer.WriteByte((byte)'\n');
    }

    private static void WriteHeader(Utf8JsonWriter w, CubeArchive archive)
    {
        var cube = archive.Cube;
        w.WriteStartObject();
        w.WriteString("format", CubeArchive.FormatName);
        w.WriteNumber("version", CubeArchive.FormatVersion);
        w.WriteStartObject("cube");
        w.WriteString("id", cube.Id);
        w.WriteString("name", cube.Name);
        w.WriteString("description", cube.Description);
        w.WritePropertyName("owner");
        WriteScope(w, cube.Owner);
        w.WriteStartArray("grants");
        foreach (var g in cube.Grants)
        {
            w.WriteStartObject();
            w.WriteString("user", g.User);
            w.WriteString("agent", g.Agent);
            w.WriteString("access", Name(g.Access));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("policy");
        w.WriteBoolean("deduplicate", cube.Policy.Deduplicate);
        w.WriteNumber("retentionDays", cube.Policy.RetentionDays);
        w.WriteNumber("hardDeleteAfterDays", cube.Policy.HardDeleteAfterDays);
        w.WriteNumber("maxItems", cube.Policy.MaxItems);
        w.WriteNumber("contextTokenBudget", cube.Policy.ContextTokenBudget);
        if (cube.Policy.ForgettingThreshold is { } threshold)
        {
            w.WriteNumber("forgettingThreshold", threshold);
        }
        else
        {
            w.WriteNull("forgettingThreshold");
        }

        w.WriteEndObject();
        WriteTime(w, "createdAt", cube.CreatedAt);
        WriteTime(w, "updatedAt", cube.UpdatedAt);
        w.WriteEndObject();
        w.WriteNumber("memories", archive.Memories.Count);
        if (archive.Embeddings is { } e)
        {
            w.WriteStartObject("embeddings");
            w.WriteString("model", e.Embedder);
            w.WriteNumber("dimensions", e.Dimensions);
            w.WriteString("encoding", "base64-float32-le");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("embeddings");
        }

        w.WriteEndObject();
    }

    private static void WriteMemory(Utf8JsonWriter w, IReadOnlyList<MemoryItem> history, ArchivedEmbeddings? embeddings)
    {
        w.WriteStartObject();
        w.WriteString("id", history[0].Id.ToString());
        w.WriteStartArray("versions");
        foreach (var v in history)
        {
            WriteVersion(w, v);
        }

        w.WriteEndArray();
        if (embeddings is not null && embeddings.Vectors.TryGetValue(history[0].Id, out var e))
        {
            w.WriteStartObject("embedding");
            w.WriteString("textHash", e.TextHash);
            w.WriteString("vector", Encode(e.Vector));
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteVersion(Utf8JsonWriter w, MemoryItem v)
    {
        w.WriteStartObject();
        w.WriteNumber("version", v.Version);
        w.WriteString("state", Name(v.State));
        w.WriteString("stateReason", v.StateReason);
        w.WriteString("kind", Name(v.Kind));
        w.WriteString("text", v.Text);
        if (v.Payload is { } p)
        {
            w.WriteStartObject("payload");
            w.WriteString("uri", p.Uri);
            w.WriteString("mediaType", p.MediaType);
            w.WriteNumber("sizeBytes", p.SizeBytes);
            w.WriteString("sha256", p.Sha256);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("payload");
        }

        w.WriteString("contentHash", v.ContentHash);
        w.WritePropertyName("scope");
        WriteScope(w, v.Scope);
        w.WriteStartObject("provenance");
        w.WriteString("source", Name(v.Provenance.Source));
        w.WriteString("sourceRef", v.Provenance.SourceRef);
        w.WriteString("actor", v.Provenance.Actor);
        WriteTime(w, "recordedAt", v.Provenance.RecordedAt);
        w.WriteEndObject();
        WriteTimeAtOffset(w, "validFrom", v.ValidFrom);
        WriteTime(w, "validTo", v.ValidTo);
        WriteStrings(w, "tags", v.Tags);
        WriteStrings(w, "keywords", v.Keywords);
        w.WriteString("context", v.Context);
        w.WriteNumber("importance", v.Importance);
        w.WriteNumber("strength", v.Strength);
        WriteTime(w, "lastRecalledAt", v.LastRecalledAt);
        w.WriteNumber("recallCount", v.RecallCount);
        w.WriteStartArray("links");
        foreach (var link in v.Links)
        {
            w.WriteStartObject();
            w.WriteString("target", link.Target.ToString());
            w.WriteString("type", link.Type);
            w.WriteNumber("weight", link.Weight);
            w.WriteString("reason", link.Reason);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteTime(w, "updatedAt", v.UpdatedAt);
        w.WriteEndObject();
    }

    private static void WriteScope(Utf8JsonWriter w, Scope scope)
    {
        w.WriteStartObject();
        w.WriteString("tenant", scope.Tenant);
        w.WriteString("user", scope.User);
        w.WriteString("agent", scope.Agent);
        w.WriteString("session", scope.Session);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (string s in values)
        {
            w.WriteStringValue(s);
        }

        w.WriteEndArray();
    }

    /// <summary>
    /// A memory's event start at the offset it was given with (its day is the speaker's, which the context shows and relative
    /// times are resolved against), in UTC's form (<c>Z</c>) when that is UTC, so an archive of UTC times stays as before.
    /// </summary>
    private static void WriteTimeAtOffset(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { Offset.Ticks: not 0 } t)
        {
            w.WriteString(name, t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture));
        }
        else
        {
            WriteTime(w, name, time);
        }
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            w.WriteString(name, t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>The lower-case name of an enum value, as the format writes it.</summary>
    internal static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string Encode(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (int i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        return Convert.ToBase64String(bytes);
    }
}
