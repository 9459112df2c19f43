using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Export;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Validation;
using AgentMem.TestSupport;

namespace AgentMem.MemoryCore.Tests;

/// <summary>What the <c>agentmem.cube</c> reader accepts of the archived embeddings.</summary>
public sealed class CubeArchiveReaderTests
{
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task A_vector_of_several_times_the_header_dimensions_is_read_back_whole()
    {
        // A long memory's embedding is its text's vector followed by one per passage group.
        var (archive, id) = Archive(dimensions: 4, vectorLength: 12);
        var read = await CubeArchiveReader.ReadAsync(new StringReader(await WriteAsync(archive)), "acme");

        Assert.Equal(4, read.Embeddings!.Dimensions);
        Assert.Equal(archive.Embeddings!.Vectors[id].Vector, read.Embeddings.Vectors[id].Vector);
    }

    [Theory]
    [InlineData(6)] // 1.5 times the dimension
    [InlineData(0)] // no values at all
    public async Task A_vector_that_is_not_a_whole_positive_multiple_of_the_header_dimensions_is_refused(int vectorLength)
    {
        var (archive, id) = Archive(dimensions: 4, vectorLength: vectorLength);
        string jsonl = await WriteAsync(archive);

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadAsync(new StringReader(jsonl), "acme"));
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(id.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Contains($"has {vectorLength} values", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public async Task A_vector_with_a_non_finite_value_is_refused_naming_the_memory(float value)
    {
        // Restored as read, such a vector matched its text hash (never recomputed) and gave the memory a vector score of 0
        // in every search from then on, with no error at import.
        var (archive, id) = Archive(dimensions: 4, vectorLength: 8);
        archive.Embeddings!.Vectors[id].Vector[5] = value;
        string jsonl = await WriteAsync(archive);

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadAsync(new StringReader(jsonl), "acme"));
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(id.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Contains("non-finite", ex.Message, StringComparison.Ordinal);
        Assert.Contains("position 5", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("activation", null)]
    [InlineData("activation", """{"uri":"","mediaType":"","sizeBytes":-5,"sha256":"zz"}""")]
    [InlineData("plaintext", """{"uri":"file:///a.bin","mediaType":"application/octet-stream","sizeBytes":-1,"sha256":"zz"}""")]
    [InlineData("activation", """{"uri":"file:///a\u0000b.bin","mediaType":"application/octet-stream","sizeBytes":1,"sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""")]
    [InlineData("activation", """{"uri":"file:///a.bin","mediaType":"application/\u0000octet-stream","sizeBytes":1,"sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""")]
    public async Task A_payload_reference_the_facade_refuses_is_refused(string kind, string? payload)
    {
        // Restored as written, a non-plaintext memory without a usable payload reference reached the code that loads, checks
        // and erases payload files.
        var (archive, _) = Archive(dimensions: 4, vectorLength: 4);
        var line = FirstVersion(await WriteAsync(archive), out var lines);
        line["kind"] = kind;
        line["payload"] = payload is null ? null : JsonNode.Parse(payload);

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadAsync(new StringReader(string.Join('\n', lines())), "acme"));
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("payload", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1000.0)]
    [InlineData(-1.0)]
    public async Task A_link_weight_outside_zero_to_one_is_refused(double weight)
    {
        // Restored as written, one link of weight 1000 put its target first in every search that found the linking memory.
        var (archive, _) = Archive(dimensions: 4, vectorLength: 4);
        var line = FirstVersion(await WriteAsync(archive), out var lines);
        line["links"] = new JsonArray(new JsonObject { ["target"] = MemoryId.NewId(At).ToString(), ["type"] = "related", ["weight"] = weight, ["reason"] = null });

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadAsync(new StringReader(string.Join('\n', lines())), "acme"));
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("between 0 and 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_content_hash_is_computed_from_the_version_read_not_taken_from_the_file()
    {
        // A hash taken as written (edited, or stale after an edit of the text) made de-duplication miss the memory.
        var (archive, id) = Archive(dimensions: 4, vectorLength: 4);
        var payload = new PayloadRef("file:///cartridge.bin", "application/octet-stream", 42, new string('a', 64));
        var line = FirstVersion(await WriteAsync(archive), out var lines);
        line["kind"] = "activation";
        line["payload"] = JsonSerializer.SerializeToNode(new { uri = payload.Uri, mediaType = payload.MediaType, sizeBytes = payload.SizeBytes, sha256 = payload.Sha256 });
        line["contentHash"] = "not-the-hash";

        var read = await CubeArchiveReader.ReadAsync(new StringReader(string.Join('\n', lines())), "acme");

        var item = Assert.Single(Assert.Single(read.Memories));
        Assert.Equal((id, MemoryKind.Activation, payload), (item.Id, item.Kind, item.Payload));
        Assert.Equal(ContentRules.ComputeHash(MemoryKind.Activation, "Likes green tea", payload), item.ContentHash);
    }

    [Fact]
    public async Task An_event_start_keeps_its_offset_through_an_archive_and_one_written_in_utc_reads_as_before()
    {
        // The writer wrote every time in UTC, so an export and import made 8 pm on 7 May in Hawaii 6 am on 8 May for good.
        var (archive, _) = Archive(dimensions: 4, vectorLength: 4);
        var hawaii = new DateTimeOffset(2024, 5, 7, 20, 0, 0, TimeSpan.FromHours(-10));
        archive = archive with { Memories = [[archive.Memories[0][0] with { ValidFrom = hawaii, ValidTo = hawaii.AddDays(1) }]] };
        string jsonl = await WriteAsync(archive);
        var line = FirstVersion(jsonl, out var lines);
        Assert.Equal("2024-05-07T20:00:00.0000000-10:00", (string?)line["validFrom"]);
        Assert.Equal("2024-05-09T06:00:00.0000000Z", (string?)line["validTo"]);

        var item = Assert.Single(Assert.Single((await CubeArchiveReader.ReadAsync(new StringReader(jsonl), "acme")).Memories));
        Assert.Equal((hawaii, hawaii.Offset), (item.ValidFrom, item.ValidFrom!.Value.Offset));

        // An archive of a build that wrote UTC alone reads back in UTC, the instant unchanged.
        line["validFrom"] = "2024-05-08T06:00:00.0000000Z";
        item = Assert.Single(Assert.Single((await CubeArchiveReader.ReadAsync(new StringReader(string.Join('\n', lines())), "acme")).Memories));
        Assert.Equal((hawaii, TimeSpan.Zero), (item.ValidFrom, item.ValidFrom!.Value.Offset));
    }

    [Fact]
    public async Task A_text_of_invisible_characters_alone_stored_before_the_facade_refused_it_is_restored_as_written()
    {
        // The facade refuses "\u200B" as blank now, but a cube that holds one from before must still restore from its export.
        var (archive, id) = Archive(dimensions: 4, vectorLength: 4);
        var line = FirstVersion(await WriteAsync(archive), out var lines);
        line["text"] = "\u200B";
        line["provenance"]!["actor"] = "\uFEFF";

        var item = Assert.Single(Assert.Single((await CubeArchiveReader.ReadAsync(new StringReader(string.Join('\n', lines())), "acme")).Memories));
        Assert.Equal((id, "\u200B", "\uFEFF"), (item.Id, item.Text, item.Provenance.Actor));

        line["text"] = " \t";
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadAsync(new StringReader(string.Join('\n', lines())), "acme"));
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_and_writing_an_archive_tell_their_progress_after_each_memory()
    {
        // An archive of 200,000 memories took minutes to import or export with nothing to show how far it was.
        var (one, _) = Archive(dimensions: 4, vectorLength: 4);
        var first = one.Memories[0][0];
        var archive = one with { Embeddings = null, Memories = [.. Enumerable.Range(0, 3).Select(i => (IReadOnlyList<MemoryItem>)[first with { Id = MemoryId.NewId(At.AddSeconds(i)) }])] };
        var written = new List<(int Done, int Total)>();
        using var stream = new MemoryStream();
        await CubeArchiveWriter.WriteAsync(archive, stream, new SynchronousProgress<(int Done, int Total)>(written.Add));

        var read = new List<(int Done, int Total)>();
        await CubeArchiveReader.ReadAsync(new StringReader(Encoding.UTF8.GetString(stream.ToArray())), "acme", new SynchronousProgress<(int Done, int Total)>(read.Add));

        Assert.Equal([(1, 3), (2, 3), (3, 3)], written);
        Assert.Equal([(1, 3), (2, 3), (3, 3)], read);
    }

    [Theory]
    [InlineData("no importance", "line 2, version 1: 'importance' is missing.")]
    [InlineData("recallCount as text", "line 2, version 1: 'recallCount' must be an integer (found string).")]
    [InlineData("recallCount past int", "line 2, version 1: 'recallCount' is 3000000000, out of range (from -2147483648 to 2147483647).")]
    [InlineData("recallCount fractional", "line 2, version 1: 'recallCount' must be an integer (found 1.5).")]
    [InlineData("no recordedAt", "line 2, version 1: 'provenance.recordedAt' is missing.")]
    [InlineData("bad updatedAt", "line 2, version 1: 'updatedAt' is 'soon', not a date and time")]
    [InlineData("weight as text", "line 2, version 1: 'links[0].weight' must be a number (found string).")]
    [InlineData("null tag", "line 2, version 1: 'tags[1]' must be a string (found null).")]
    [InlineData("payload as text", "line 2, version 1: 'payload' must be an object or null (found string).")]
    [InlineData("state unknown", "line 2, version 1: 'state' is 'gone', not one of ")]
    [InlineData("second version without importance", "line 2, version 2: 'importance' is missing.")]
    [InlineData("no versions", "line 2: 'versions' is missing.")]
    [InlineData("embedding as text", "line 2: 'embedding' must be an object or null (found string).")]
    [InlineData("vector not base64", "line 2: 'embedding.vector' is not base64.")]
    [InlineData("memories as text", "line 1: 'memories' must be an integer (found string).")]
    [InlineData("no maxItems", "line 1: 'cube.policy.maxItems' is missing.")]
    [InlineData("threshold as text", "line 1: 'cube.policy.forgettingThreshold' must be a number or null (found string).")]
    [InlineData("grant access as number", "line 1: 'cube.grants[0].access' must be a string (found number).")]
    public async Task A_missing_mistyped_or_out_of_range_field_is_refused_naming_it_its_version_and_the_type_found(string edit, string expected)
    {
        // The BCL's messages ("The given key was not present in the dictionary.") named the line alone: one of some 30
        // fields in any of the versions of a line that may be megabytes long.
        var (archive, _) = Archive(dimensions: 4, vectorLength: 4);
        var all = (await WriteAsync(archive)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = JsonNode.Parse(all[0])!;
        var memory = JsonNode.Parse(all[1])!;
        var version = memory["versions"]![0]!;
        version["tags"] = new JsonArray("tea", "drinks");
        version["links"] = new JsonArray(new JsonObject { ["target"] = MemoryId.NewId(At).ToString(), ["type"] = "related", ["weight"] = 0.5, ["reason"] = null });
        header["cube"]!["grants"] = new JsonArray(new JsonObject { ["user"] = "bob", ["agent"] = null, ["access"] = "read" });
        Assert.Single(Assert.Single((await CubeArchiveReader.ReadAsync(new StringReader($"{header.ToJsonString()}\n{memory.ToJsonString()}"), "acme")).Memories)); // valid as edited so far

        switch (edit)
        {
            case "no importance": version.AsObject().Remove("importance"); break;
            case "recallCount as text": version["recallCount"] = "0"; break;
            case "recallCount past int": version["recallCount"] = 3_000_000_000L; break;
            case "recallCount fractional": version["recallCount"] = 1.5; break;
            case "no recordedAt": version["provenance"]!.AsObject().Remove("recordedAt"); break;
            case "bad updatedAt": version["updatedAt"] = "soon"; break;
            case "weight as text": version["links"]![0]!["weight"] = "heavy"; break;
            case "null tag": version["tags"]![1] = null; break;
            case "payload as text": version["payload"] = "file:///a.bin"; break;
            case "state unknown": version["state"] = "gone"; break;
            case "second version without importance":
                var second = version.DeepClone();
                second["version"] = 2;
                second.AsObject().Remove("importance");
                memory["versions"]!.AsArray().Add(second);
                break;
            case "no versions": memory.AsObject().Remove("versions"); break;
            case "embedding as text": memory["embedding"] = "AAAA"; break;
            case "vector not base64": memory["embedding"]!["vector"] = "not base64!"; break;
            case "memories as text": header["memories"] = "1"; break;
            case "no maxItems": header["cube"]!["policy"]!.AsObject().Remove("maxItems"); break;
            case "threshold as text": header["cube"]!["policy"]!["forgettingThreshold"] = "0.5"; break;
            case "grant access as number": header["cube"]!["grants"]![0]!["access"] = 1; break;
            default: throw new ArgumentException(edit, nameof(edit));
        }

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadAsync(new StringReader($"{header.ToJsonString()}\n{memory.ToJsonString()}"), "acme"));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>The first version of the archive's only memory, to edit; <paramref name="lines"/> gives the file with the edit.</summary>
    private static JsonNode FirstVersion(string jsonl, out Func<string[]> lines)
    {
        var all = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var memory = JsonNode.Parse(all[1])!;
        lines = () => [all[0], memory.ToJsonString()];
        return memory["versions"]![0]!;
    }

    private static async Task<string> WriteAsync(CubeArchive archive)
    {
        using var stream = new MemoryStream();
        await CubeArchiveWriter.WriteAsync(archive, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static (CubeArchive Archive, MemoryId Id) Archive(int dimensions, int vectorLength)
    {
        var owner = new Scope("acme", "alice");
        var cube = new MemCube { Id = MemoryId.NewId(At).ToString(), Name = "notes", Owner = owner, CreatedAt = At, UpdatedAt = At };
        var item = new MemoryItem
        {
            Id = MemoryId.NewId(At),
            CubeId = cube.Id,
            Scope = owner,
            Text = "Likes green tea",
            ContentHash = "h",
            Provenance = new Provenance(SourceKind.Document, null, "alice", At),
            UpdatedAt = At,
        };
        var vector = Enumerable.Range(0, vectorLength).Select(i => i / 8f).ToArray();
        var embeddings = new ArchivedEmbeddings("hash-v1-4", dimensions, new Dictionary<MemoryId, StoredEmbedding> { [item.Id] = new(item.Id, "t", vector) });
        return (new CubeArchive(cube, [[item]], embeddings), item.Id);
    }
}
