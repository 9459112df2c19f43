using System.Text;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Export;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Import;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Text;
using AgentMem.MemoryCore.Validation;
using AgentMem.TestSupport;

namespace AgentMem.MemoryCore.Tests;

/// <summary>
/// Import files whose bytes are not UTF-8 (a bad byte, a multi-byte sequence cut off at the end, an encoded surrogate),
/// hold an escaped lone surrogate, or hold NUL. Each reader refuses them with its typed error naming the file (and the
/// byte, line and column where the text stops being UTF-8), or reads them; never an untyped "cannot transcode" error
/// (the failure campaign's finding in <see cref="ConversationReader"/>) and never a silent U+FFFD.
/// </summary>
public sealed class ImportEncodingTests : IDisposable
{
    private const string Marker = "MARKER";
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly string ArchivedCubeId = MemoryId.NewId(At).ToString();
    private readonly TempFolder folder = new("import-encoding");

    public static TheoryData<string, byte[], bool> InvalidBytes => new()
    {
        { "a lead byte without its continuation", [0xC3, 0x28], false },
        { "a UTF-8 encoded surrogate", [0xED, 0xA0, 0x80], false },
        { "an overlong encoding of '/'", [0xC0, 0xAF], false },
        { "a multi-byte sequence cut off at the end of the file", [0xE2, 0x82], true },
    };

    public void Dispose() => folder.Dispose();

    [Theory]
    [MemberData(nameof(InvalidBytes))]
    public async Task A_conversation_file_that_is_not_UTF8_is_a_format_error_naming_file_and_byte(string what, byte[] bad, bool atEnd)
    {
        var (path, offset) = Craft("conversation.json", ConversationJson(), bad, atEnd);
        var ex = await Assert.ThrowsAsync<ConversationFormatException>(() => ConversationReader.ReadFileAsync(path));
        AssertNames(ex, path, offset, what);
    }

    [Theory]
    [MemberData(nameof(InvalidBytes))]
    public void A_mem0_file_that_is_not_UTF8_is_a_validation_error_naming_file_and_byte(string what, byte[] bad, bool atEnd)
    {
        var (path, offset) = Craft("mem0.json", Mem0Json(), bad, atEnd);
        var ex = Assert.Throws<MemoryValidationException>(() => Mem0Reader.ReadFile(path, "acme", "cube1"));
        AssertNames(ex, path, offset, what);
    }

    [Theory]
    [MemberData(nameof(InvalidBytes))]
    public async Task A_cube_archive_that_is_not_UTF8_is_a_validation_error_naming_file_and_byte(string what, byte[] bad, bool atEnd)
    {
        var (path, offset) = Craft("cube.jsonl", await ArchiveJsonl(), bad, atEnd);
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadFileAsync(path, "acme"));
        AssertNames(ex, path, offset, what);
    }

    [Fact]
    public async Task A_cube_archive_is_read_as_it_streams_and_a_bad_byte_deep_in_a_large_one_is_named_with_its_line()
    {
        // The archive was read whole (File.ReadAllBytes), which cannot hold one of 2 GiB or more; it is checked as it is
        // read now, just as strictly: a bad byte megabytes in, past many reads, is named exactly as before.
        var owner = new Scope("acme", "alice");
        var cube = new MemCube { Id = ArchivedCubeId, Name = "notes", Owner = owner, CreatedAt = At, UpdatedAt = At };
        string filler = string.Concat(Enumerable.Repeat("Crème brûlée at the café, naïve but fine. ", 60));
        var memories = Enumerable.Range(0, 1_200).Select(i => (IReadOnlyList<MemoryItem>)[new MemoryItem
        {
            Id = MemoryId.NewId(At.AddSeconds(i)),
            CubeId = cube.Id,
            Scope = owner,
            Text = i == 1_000 ? $"{Marker} {filler}" : $"{i}: {filler}",
            ContentHash = "h",
            Provenance = new Provenance(SourceKind.Document, null, "alice", At),
            UpdatedAt = At,
        }]).ToList();
        using var stream = new MemoryStream();
        await CubeArchiveWriter.WriteAsync(new CubeArchive(cube, memories), stream);
        string jsonl = Encoding.UTF8.GetString(stream.ToArray());
        Assert.True(jsonl.Length > 3_000_000, $"{jsonl.Length} characters");

        string good = folder.File("large.jsonl");
        await File.WriteAllTextAsync(good, jsonl.Replace(Marker, "ok", StringComparison.Ordinal));
        Assert.Equal(1_200, (await CubeArchiveReader.ReadFileAsync(good, "acme")).Memories.Count);

        var (path, offset) = Craft("large-bad.jsonl", jsonl, [0xE2, 0x28, 0xA1], false);
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadFileAsync(path, "acme"));
        Assert.Equal($"{path}: not an agentmem.cube archive: {Utf8Validation.DescribeInvalid(File.ReadAllBytes(path))}.", ex.Message);
        AssertNames(ex, path, offset, "a bad byte deep in a large archive");
        Assert.Contains("(line 1002, column ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_escaped_lone_surrogate_is_a_typed_error_in_every_reader()
    {
        var conversation = Craft("conversation.json", ConversationJson(), "\\ud800"u8.ToArray(), false).Path;
        var ex = await Assert.ThrowsAsync<ConversationFormatException>(() => ConversationReader.ReadFileAsync(conversation));
        Assert.Contains(conversation, ex.Message, StringComparison.Ordinal);

        var mem0 = Craft("mem0.json", Mem0Json(), "\\ud800"u8.ToArray(), false).Path;
        Assert.Throws<MemoryValidationException>(() => Mem0Reader.ReadFile(mem0, "acme", "cube1"));

        var cube = Craft("cube.jsonl", await ArchiveJsonl(), "\\ud800"u8.ToArray(), false).Path;
        await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadFileAsync(cube, "acme"));
    }

    [Fact]
    public async Task A_raw_NUL_byte_is_invalid_JSON_and_an_escaped_one_is_read_but_refused_as_memory_text()
    {
        var conversation = Craft("conversation.json", ConversationJson(), [0x00], false).Path;
        await Assert.ThrowsAsync<ConversationFormatException>(() => ConversationReader.ReadFileAsync(conversation));
        var mem0 = Craft("mem0.json", Mem0Json(), [0x00], false).Path;
        Assert.Throws<MemoryValidationException>(() => Mem0Reader.ReadFile(mem0, "acme", "cube1"));
        var cube = Craft("cube.jsonl", await ArchiveJsonl(), [0x00], false).Path;
        await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadFileAsync(cube, "acme"));

        // Valid JSON, so the conversation reads; but no store can keep every NUL (PostgreSQL's text cannot), so memory text
        // refuses it: the Mem0 reader checks its texts as the facade does, which refuses the turn when it is added.
        var escaped = Craft("conversation-nul.json", ConversationJson(), "\\u0000"u8.ToArray(), false).Path;
        var doc = await ConversationReader.ReadFileAsync(escaped);
        Assert.Contains('\0', doc.Sessions[0].Turns[0].Text);
        Assert.Throws<MemoryValidationException>(() => ContentRules.ValidateText(doc.Sessions[0].Turns[0].Text, 4096));
        var ex = Assert.Throws<MemoryValidationException>(() => Mem0Reader.ReadFile(Craft("mem0-nul.json", Mem0Json(), "\\u0000"u8.ToArray(), false).Path, "acme", "cube1"));
        Assert.Contains("NUL", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("archived,superseded")] // Enum.TryParse: the OR of the two, frozen
    [InlineData("2")]
    public async Task An_archive_state_that_names_no_single_state_is_refused(string state)
    {
        string jsonl = await ArchiveJsonl();
        Assert.Contains("\"state\":\"active\"", jsonl, StringComparison.Ordinal);
        string cube = folder.File("state.jsonl");
        await File.WriteAllTextAsync(cube, jsonl.Replace("\"state\":\"active\"", $"\"state\":\"{state}\"", StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadFileAsync(cube, "acme"));
        Assert.Contains(state, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"alice\",\"agent\":null", "null,\"agent\":null")] // a grant to nobody: the whole tenant
    [InlineData("Likes MARKER tea", "Likes \\u0000 tea")] // a NUL PostgreSQL cannot store
    [InlineData("\"context\":null", "\"context\":\"said \\u0000\"")]
    [InlineData("\"forgettingThreshold\":null", "\"forgettingThreshold\":1.5")] // every memory archived on the next run
    [InlineData("\"maxItems\":0", "\"maxItems\":-1")]
    [InlineData("\"importance\":0.5", "\"importance\":1.5")] // every later update of the memory refused
    [InlineData("\"strength\":1", "\"strength\":-1")]
    [InlineData("\"recallCount\":0", "\"recallCount\":-3")]
    [InlineData("\"tags\":[]", "\"tags\":[\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]")]
    [InlineData("\"validFrom\":null,\"validTo\":null", "\"validFrom\":\"2025-01-02T00:00:00Z\",\"validTo\":\"2025-01-01T00:00:00Z\"")]
    [InlineData("\"version\":1,", "\"version\":0,")]
    public async Task An_archive_is_held_to_the_rules_the_facade_applies(string find, string replace)
    {
        string jsonl = await ArchiveJsonl(grant: true);
        Assert.Contains(find, jsonl, StringComparison.Ordinal);
        string cube = folder.File("rules.jsonl");
        await File.WriteAllTextAsync(cube, jsonl.Replace(find, replace, StringComparison.Ordinal));
        await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadFileAsync(cube, "acme"));
    }

    [Fact]
    public async Task An_archive_exported_before_any_vector_was_stored_reads_back_with_no_vectors()
    {
        // The writer records dimensions 0 when the cube has no vector yet (vectors are computed at the first search); the
        // reader refused that header, so such an export with --embeddings could not be imported.
        string jsonl = await ArchiveJsonl();
        string cube = folder.File("no-vectors.jsonl");
        await File.WriteAllTextAsync(cube, jsonl.Replace("\"embeddings\":null", "\"embeddings\":{\"model\":\"hashing-1024\",\"dimensions\":0,\"encoding\":\"base64-float32-le\"}", StringComparison.Ordinal));
        var archive = await CubeArchiveReader.ReadFileAsync(cube, "acme");
        Assert.NotNull(archive.Embeddings);
        Assert.Equal(0, archive.Embeddings.Dimensions);
        Assert.Empty(archive.Embeddings.Vectors);
        Assert.NotEmpty(archive.Memories);
    }

    [Theory]
    [InlineData(-3)]
    [InlineData(int.MinValue)]
    public async Task An_archive_whose_embeddings_have_negative_dimensions_is_refused(int dimensions)
    {
        string jsonl = await ArchiveJsonl();
        Assert.Contains("\"embeddings\":null", jsonl, StringComparison.Ordinal);
        string cube = folder.File("dimensions.jsonl");
        await File.WriteAllTextAsync(cube, jsonl.Replace("\"embeddings\":null", $"\"embeddings\":{{\"model\":\"hashing-1024\",\"dimensions\":{dimensions},\"encoding\":\"base64-float32-le\"}}", StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadFileAsync(cube, "acme"));
        Assert.Contains("dimensions", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 1", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../..")] // the retrieval state's folder for the cube: the database's own folder, deleted with the cube
    [InlineData("cube1")]
    [InlineData("")]
    public async Task An_archive_whose_cube_id_is_not_an_id_is_refused(string id)
    {
        string jsonl = await ArchiveJsonl();
        string header = $"\"cube\":{{\"id\":\"{ArchivedCubeId}\"";
        Assert.Contains(header, jsonl, StringComparison.Ordinal);
        string cube = folder.File("cube-id.jsonl");
        await File.WriteAllTextAsync(cube, jsonl.Replace(header, $"\"cube\":{{\"id\":\"{id}\"", StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadFileAsync(cube, "acme"));
        Assert.Contains("cube id", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_byte_order_mark_is_still_accepted()
    {
        byte[] bom = [.. Encoding.UTF8.Preamble];
        string conversation = folder.File("bom.json");
        await File.WriteAllBytesAsync(conversation, [.. bom, .. Encoding.UTF8.GetBytes(ConversationJson().Replace(Marker, "ok", StringComparison.Ordinal))]);
        Assert.Equal("x", (await ConversationReader.ReadFileAsync(conversation)).Id);

        string mem0 = folder.File("bom-mem0.json");
        await File.WriteAllBytesAsync(mem0, [.. bom, .. Encoding.UTF8.GetBytes(Mem0Json().Replace(Marker, "ok", StringComparison.Ordinal))]);
        Assert.Single(Mem0Reader.ReadFile(mem0, "acme", "cube1"));

        string cube = folder.File("bom-cube.jsonl");
        await File.WriteAllBytesAsync(cube, [.. bom, .. Encoding.UTF8.GetBytes((await ArchiveJsonl()).Replace(Marker, "ok", StringComparison.Ordinal))]);
        Assert.Single((await CubeArchiveReader.ReadFileAsync(cube, "acme")).Memories);
    }

    private static void AssertNames(Exception ex, string path, int offset, string what)
    {
        Assert.True(ex.Message.Contains(path, StringComparison.Ordinal), $"{what}: '{ex.Message}' does not name the file");
        Assert.True(ex.Message.Contains($"invalid UTF-8 at byte {offset} ", StringComparison.Ordinal), $"{what}: '{ex.Message}' does not name byte {offset}");
        Assert.Contains("line ", ex.Message, StringComparison.Ordinal);
    }

    // The valid text with the marker replaced by the bad bytes (or, atEnd, the marker removed and the bytes appended).
    private (string Path, int Offset) Craft(string name, string text, byte[] bad, bool atEnd)
    {
        byte[] valid = Encoding.UTF8.GetBytes(text);
        int at = valid.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Marker));
        Assert.True(at >= 0);
        byte[] bytes = atEnd
            ? [.. valid[..at], .. valid[(at + Marker.Length)..], .. bad]
            : [.. valid[..at], .. bad, .. valid[(at + Marker.Length)..]];
        string path = folder.File(name);
        File.WriteAllBytes(path, bytes);
        return (path, atEnd ? valid.Length - Marker.Length : at);
    }

    private static string ConversationJson() =>
        """
        {"format":"agentmem.conversation.v1","id":"x","sessions":[
          {"id":"s1","turns":[{"speaker":"A","text":"caf MARKER au lait"}]}
        ]}
        """;

    private static string Mem0Json() =>
        """
        [{"id":"m1","memory":"Likes MARKER tea","created_at":"2024-07-22T09:00:00Z","user_id":"alice"}]
        """;

    private static async Task<string> ArchiveJsonl(bool grant = false)
    {
        var owner = new Scope("acme", "alice");
        var cube = new MemCube { Id = ArchivedCubeId, Name = "notes", Owner = owner, CreatedAt = At, UpdatedAt = At, Grants = grant ? [new CubeGrant("alice", null, CubeAccess.Read)] : [] };
        var item = new MemoryItem
        {
            Id = MemoryId.NewId(At),
            CubeId = cube.Id,
            Scope = owner,
            Text = "Likes MARKER tea",
            ContentHash = "h",
            Provenance = new Provenance(SourceKind.Document, null, "alice", At),
            UpdatedAt = At,
        };
        using var stream = new MemoryStream();
        await CubeArchiveWriter.WriteAsync(new CubeArchive(cube, [[item]]), stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
