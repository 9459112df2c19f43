using System.Globalization;
using System.Text.Json;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Export;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.Cli.Tests;

public sealed class ExportImportTests : IDisposable
{
    private readonly CliRunner source = new();
    private readonly CliRunner target = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        source.Dispose();
        target.Dispose();
    }

    private static async Task<string> AddAsync(CliRunner cli, params string[] args) =>
        (await cli.JsonAsync(["add", .. args, "--cube", "work"])).GetProperty("id").GetString()!;

    private async Task<string> SeedAsync()
    {
        string first = await AddAsync(source, "Dave restored a vintage Ford Mustang with his dad", "--actor", "Dave", "--note", "--time", "2023-05-08", "--tag", "cars");
        await AddAsync(source, "The Ford Mustang restoration needed a new engine", "--actor", "Dave", "--note", "--session", "s1");
        string third = await AddAsync(source, "Dave's favourite colour is blue", "--tag", "prefs", "--source", "document:notes.txt");
        string fourth = await AddAsync(source, "Dave lives in Ohio");
        string fifth = await AddAsync(source, "Dave once owned a bicycle shop");
        await source.JsonAsync("update", third, "Dave's favourite colour is green", "--reason", "he changed his mind", "--tag", "prefs", "--tag", "colour", "--cube", "work");
        await source.JsonAsync("update", third, "Dave's favourite colour is dark green", "--cube", "work");
        await source.JsonAsync("delete", fourth, "--reason", "wrong", "--cube", "work");
        await source.JsonAsync("state", fifth, "archived", "--reason", "old", "--cube", "work");
        await source.JsonAsync("state", first, "frozen", "--cube", "work");
        string file = Path.Combine(source.Folder, "work.jsonl");
        var (code, _, err) = await source.RunAsync("export", "--cube", "work", "--out", file);
        Assert.True(code == 0, err);
        return file;
    }

    [Fact]
    public async Task An_export_imported_into_a_new_database_exports_byte_identical()
    {
        string exported = await SeedAsync();
        var lines = await File.ReadAllLinesAsync(exported);
        Assert.Equal(6, lines.Length);
        using (var header = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal("agentmem.cube", header.RootElement.GetProperty("format").GetString());
            Assert.Equal(1, header.RootElement.GetProperty("version").GetInt32());
        }

        Assert.Contains(lines, l => l.Contains("\"state\":\"deleted\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"state\":\"archived\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"state\":\"superseded\"", StringComparison.Ordinal) && l.Contains("\"version\":3", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"links\":[{", StringComparison.Ordinal));

        var (code, _, err) = await target.RunAsync("import", "cube", exported);
        Assert.True(code == 0, err);
        string again = Path.Combine(target.Folder, "again.jsonl");
        (code, _, err) = await target.RunAsync("export", "--cube", "work", "--out", again);
        Assert.True(code == 0, err);
        Assert.Equal(await File.ReadAllBytesAsync(exported), await File.ReadAllBytesAsync(again));

    }

    [Fact]
    public async Task Embeddings_travel_with_the_export_and_round_trip_byte_identical()
    {
        await SeedAsync();
        await source.JsonAsync("search", "Mustang engine", "--cube", "work");
        string exported = Path.Combine(source.Folder, "with-vectors.jsonl");
        var (code, _, err) = await source.RunAsync("export", "--cube", "work", "--embeddings", "--out", exported);
        Assert.True(code == 0, err);
        string text = await File.ReadAllTextAsync(exported);
        Assert.Contains("\"embeddings\":{\"model\":", text, StringComparison.Ordinal);
        Assert.Contains("\"embedding\":{\"textHash\":", text, StringComparison.Ordinal);

        (code, _, err) = await target.RunAsync("import", "cube", exported);
        Assert.True(code == 0, err);
        (code, var again, err) = await target.RunAsync("export", "--cube", "work", "--embeddings");
        Assert.True(code == 0, err);
        Assert.Equal(text, again);
    }

    [Fact]
    public async Task Embeddings_of_a_long_memory_indexed_as_passages_import_and_round_trip_byte_identical()
    {
        // A long memory's stored embedding is its text's vector followed by one per passage group: several times the
        // embedder's dimension. The header named the first vector's length, and import refused every other length.
        string sentences = string.Concat(Enumerable.Range(1, 20).Select(i => $"On day {i} Dave fitted part number {i * 7} to the Mustang. "));
        Assert.InRange(sentences.Length, 900, 1_400);
        await AddAsync(source, sentences, "--actor", "Dave");
        await AddAsync(source, "Dave lives in Ohio");
        await source.JsonAsync("search", "Mustang part", "--cube", "work");
        string exported = Path.Combine(source.Folder, "long-vectors.jsonl");
        var (code, _, err) = await source.RunAsync("export", "--cube", "work", "--embeddings", "--out", exported);
        Assert.True(code == 0, err);
        (code, _, err) = await target.RunAsync("import", "cube", exported);
        Assert.True(code == 0, err);
        string again = Path.Combine(target.Folder, "again.jsonl");
        (code, _, err) = await target.RunAsync("export", "--cube", "work", "--embeddings", "--out", again);
        Assert.True(code == 0, err);
        Assert.Equal(await File.ReadAllBytesAsync(exported), await File.ReadAllBytesAsync(again));

        // The header names the embedder's dimension; every vector is a whole multiple of it.
        var lines = await File.ReadAllLinesAsync(exported);
        int dimensions;
        using (var header = JsonDocument.Parse(lines[0]))
        {
            dimensions = header.RootElement.GetProperty("embeddings").GetProperty("dimensions").GetInt32();
        }

        var lengths = lines[1..].Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return Convert.FromBase64String(doc.RootElement.GetProperty("embedding").GetProperty("vector").GetString()!).Length / sizeof(float);
        }).ToList();
        Assert.Contains(dimensions, lengths);
        Assert.All(lengths, n => Assert.Equal(0, n % dimensions));
        Assert.Contains(lengths, n => n >= 2 * dimensions);
    }

    [Fact]
    public async Task A_restore_whose_embeddings_do_not_fit_writes_nothing_and_can_be_run_again()
    {
        // The cube and its memories committed in one transaction and the archive's embeddings in a second: when the second
        // failed (a full disk) the command said "the write was not made", yet the cube was there without its embeddings,
        // and running it again was refused because the cube already existed.
        string exported = await SeedAsync();
        var archive = await CubeArchiveReader.ReadFileAsync(exported, "default");
        float[] Dense(int seed) => [.. Enumerable.Range(0, 4096).Select(i => 1f + ((i + seed) % 7))]; // every component stored: 16 KiB
        var vectors = archive.Memories.Select((h, i) => new StoredEmbedding(h[0].Id, $"hash{i}", Dense(i))).ToDictionary(e => e.MemoryId);
        string withVectors = Path.Combine(source.Folder, "dense.jsonl");
        await using (var file = File.Create(withVectors))
        {
            await CubeArchiveWriter.WriteAsync(archive with { Embeddings = new ArchivedEmbeddings("test-dense-4096", 4096, vectors) }, file);
        }

        Assert.Equal(0, (await target.RunAsync("cube", "list")).Code); // the database, made before it is capped
        SqliteConnection.ClearAllPools();
        target.CapAtCurrentSize(spare: 4); // room for the memories' rows (measured: none needed), not for 80 KiB of vectors

        var (code, _, err) = await target.RunAsync("import", "cube", withVectors);

        Assert.Equal(1, code);
        Assert.Contains("full", err, StringComparison.Ordinal);
        Assert.DoesNotContain("work", (await target.RunAsync("cube", "list")).Out, StringComparison.Ordinal);

        SqliteConnection.ClearAllPools(); // room again
        (code, var output, err) = await target.RunAsync("import", "cube", withVectors, "--json");
        Assert.True(code == 0, err);
        var restored = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement; // after the progress events
        Assert.Equal(vectors.Count, restored.GetProperty("embeddings").GetInt32());
        using var db = new SqliteConnection($"Data Source={target.DbPath};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM memory_embeddings WHERE embedder = 'test-dense-4096';";
        Assert.Equal(vectors.Count, Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Export_and_import_of_a_cube_report_read_and_written_events_before_their_result_with_json()
    {
        // A cube of 200,000 memories took 70 s to export and 100 s to import with nothing on either output until the end.
        string exported = await SeedAsync();
        string again = Path.Combine(source.Folder, "again.jsonl");
        var (code, output, err) = await source.RunAsync("export", "--cube", "work", "--out", again, "--json");
        Assert.True(code == 0, err);
        AssertProgressThenResult(output, memories: 5);

        (code, output, err) = await target.RunAsync("import", "cube", exported, "--json");
        Assert.True(code == 0, err);
        AssertProgressThenResult(output, memories: 5);

        // Standard output carries the archive without --out: no event may go into it.
        (code, output, err) = await source.RunAsync("export", "--cube", "work", "--json");
        Assert.True(code == 0, err);
        Assert.Equal(await File.ReadAllTextAsync(exported), output);
    }

    [Fact]
    public async Task Export_and_import_of_a_cube_redirected_tell_their_progress_on_standard_error()
    {
        string exported = await SeedAsync();
        var (code, output, err) = await source.RunAsync("export", "--cube", "work");
        Assert.True(code == 0, err);
        Assert.Equal(await File.ReadAllTextAsync(exported), output);
        Assert.Contains("read 5/5 memories", err, StringComparison.Ordinal);
        Assert.Contains("written 5/5 memories", err, StringComparison.Ordinal);

        (code, output, err) = await target.RunAsync("import", "cube", exported);
        Assert.True(code == 0, err);
        Assert.StartsWith("Restored cube 'work'", output, StringComparison.Ordinal);
        string[] lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("read 5/5 memories", lines.Last(l => l.StartsWith("read ", StringComparison.Ordinal)));
        Assert.Equal("written 5/5 memories", lines[^1]);
    }

    /// <summary>NDJSON: "read" events, then "written" events, each counting up to <paramref name="memories"/>, then the result.</summary>
    private static void AssertProgressThenResult(string output, int memories)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var events = lines[..^1].Select(l => (Event: l.GetProperty("event").GetString(), Done: l.GetProperty("done").GetInt32(), Total: l.GetProperty("total").GetInt32())).ToList();
        Assert.Equal(["read", "written"], events.Select(e => e.Event).Distinct());
        Assert.True(events.FindLastIndex(e => e.Event == "read") < events.FindIndex(e => e.Event == "written"));
        foreach (string phase in new[] { "read", "written" })
        {
            var done = events.Where(e => e.Event == phase).ToList();
            Assert.All(done, e => Assert.Equal(memories, e.Total));
            Assert.Equal(done.Select(e => e.Done).Order(), done.Select(e => e.Done));
            Assert.Equal(memories, done[^1].Done);
        }

        Assert.Equal(memories, lines[^1].GetProperty("memories").GetInt32());
        Assert.False(lines[^1].TryGetProperty("event", out _));
    }

    [Fact]
    public async Task An_archive_of_a_cube_named_dot_dot_is_restored_only_under_another_name()
    {
        // Import restored the archive's cube name as it was, so a cube named ".." (kept from before the rule) came back
        // unreachable over REST; --cube gives it a name a URL can carry.
        string exported = await SeedAsync();
        string dotted = Path.Combine(target.Folder, "dotted.jsonl");
        string text = await File.ReadAllTextAsync(exported);
        Assert.Contains("\"name\":\"work\"", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(dotted, text.Replace("\"name\":\"work\"", "\"name\":\"..\"", StringComparison.Ordinal));

        var (code, _, err) = await target.RunAsync("import", "cube", dotted);
        Assert.Equal(1, code);
        Assert.Contains("--cube", err, StringComparison.Ordinal);
        Assert.DoesNotContain("..", (await target.RunAsync("cube", "list")).Out, StringComparison.Ordinal);

        (code, _, err) = await target.RunAsync("import", "cube", dotted, "--cube", "work");
        Assert.True(code == 0, err);
    }

    [Fact]
    public async Task Importing_into_the_same_database_is_refused_as_an_id_clash_and_writes_nothing()
    {
        string exported = await SeedAsync();
        var (code, _, err) = await source.RunAsync("import", "cube", exported, "--cube", "copy");
        Assert.Equal(1, code);
        Assert.Contains("already", err, StringComparison.Ordinal);
        var cubes = await source.RunAsync("cube", "list");
        Assert.DoesNotContain("copy", cubes.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_lines_and_unknown_versions_are_refused_naming_the_line_and_nothing_is_written()
    {
        string exported = await SeedAsync();
        var lines = await File.ReadAllLinesAsync(exported);

        string broken = Path.Combine(target.Folder, "broken.jsonl");
        await File.WriteAllLinesAsync(broken, [.. lines[..4], lines[4][..^5], lines[5]]);
        var (code, _, err) = await target.RunAsync("import", "cube", broken);
        Assert.Equal(1, code);
        Assert.Contains("line 5", err, StringComparison.Ordinal);

        string missingField = Path.Combine(target.Folder, "missing.jsonl");
        await File.WriteAllLinesAsync(missingField, [.. lines[..2], lines[2].Replace("\"contentHash\"", "\"nope\"", StringComparison.Ordinal), .. lines[3..]]);
        (code, _, err) = await target.RunAsync("import", "cube", missingField);
        Assert.Equal(1, code);
        Assert.Contains("line 3", err, StringComparison.Ordinal);

        string future = Path.Combine(target.Folder, "future.jsonl");
        await File.WriteAllLinesAsync(future, [lines[0].Replace("\"version\":1", "\"version\":99", StringComparison.Ordinal), .. lines[1..]]);
        (code, _, err) = await target.RunAsync("import", "cube", future);
        Assert.Equal(1, code);
        Assert.Contains("line 1", err, StringComparison.Ordinal);
        Assert.Contains("99", err, StringComparison.Ordinal);

        string truncated = Path.Combine(target.Folder, "truncated.jsonl");
        await File.WriteAllLinesAsync(truncated, lines[..3]);
        (code, _, err) = await target.RunAsync("import", "cube", truncated);
        Assert.Equal(1, code);
        Assert.Contains("announces", err, StringComparison.Ordinal);

        var list = await target.RunAsync("cube", "list");
        Assert.DoesNotContain("work", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_keep_braces_in_names_and_paths_and_use_invariant_numbers_in_any_culture()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            // The messages went through string.Format after the work was committed: a brace in a cube name or path failed
            // the command (and a retry of the import duplicated every memory), and numbers took the current culture.
            string sample = Path.Combine(AppContext.BaseDirectory, "Fixtures", "mem0-export.json");
            var (code, output, err) = await target.RunAsync("import", "mem0", sample, "--cube", "team{a}");
            Assert.True(code == 0, err);
            Assert.Contains("into cube 'team{a}'", output, StringComparison.Ordinal);

            string file = Path.Combine(target.Folder, "backup-{x}.jsonl");
            (code, output, err) = await target.RunAsync("export", "--cube", "team{a}", "--out", file);
            Assert.True(code == 0, err);
            Assert.Contains("backup-{x}.jsonl", output.ReplaceLineEndings(string.Empty), StringComparison.Ordinal);

            (code, output, err) = await target.RunAsync("maintain", "--dry-run", "--cube", "team{a}");
            Assert.True(code == 0, err);
            Assert.Matches(@"in \d+\.\d\d s\.", output);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public async Task An_export_that_cannot_be_put_in_place_leaves_no_temporary_file()
    {
        await AddAsync(source, "Dave lives in Ohio");
        string taken = Path.Combine(source.Folder, "taken.jsonl");
        Directory.CreateDirectory(taken); // the rename over it fails after the content is written
        var (code, _, err) = await source.RunAsync("export", "--cube", "work", "--out", taken);
        Assert.Equal(1, code); // the machine's state, not a bug to report (it exited 2)
        Assert.Contains("error", err, StringComparison.Ordinal);
        Assert.DoesNotContain("please report", err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(source.Folder, "*.tmp"));
    }

    [Fact]
    public async Task An_export_goes_into_a_new_folder_and_under_a_long_valid_name()
    {
        // --out was not checked up front as other verbs' --out are: a missing folder failed after the cube was read, and both
        // that error and a valid name over 218 characters (too long once ".GUID.tmp" was added) named a temporary file.
        await AddAsync(source, "Dave lives in Ohio");
        string nested = Path.Combine(source.Folder, "backups", "2025", "work.jsonl");
        var (code, _, err) = await source.RunAsync("export", "--cube", "work", "--out", nested);
        Assert.True(code == 0, err);
        Assert.Equal(2, (await File.ReadAllLinesAsync(nested)).Length);

        string longName = Path.Combine(source.Folder, new string('x', 230) + ".jsonl");
        (code, _, err) = await source.RunAsync("export", "--cube", "work", "--out", longName);
        Assert.True(code == 0, err);
        Assert.Equal(await File.ReadAllBytesAsync(nested), await File.ReadAllBytesAsync(longName));

        (code, _, err) = await source.RunAsync("export", "--cube", "work", "--out", " ");
        Assert.Equal(1, code);
        Assert.Contains("--out needs a file name", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mem0_import_needs_write_access_to_the_cube()
    {
        // The import wrote through the store directly after opening the cube for reading: a read-only grantee filled it.
        Assert.Equal(0, (await target.RunAsync("cube", "create", "shared", "--user", "alice")).Code);
        Assert.Equal(0, (await target.RunAsync("cube", "grant", "shared", "--to-user", "bob", "--access", "read", "--user", "alice")).Code);
        // Bob's own memories (the sample's are Alice's, which a user-bound import refuses whatever its access).
        string sample = Path.Combine(target.Folder, "bobs-mem0.json");
        await File.WriteAllTextAsync(sample, """[{"id":"m1","memory":"bob's note","created_at":"2024-05-07T00:00:00Z","user_id":"bob"}]""");
        var (code, _, err) = await target.RunAsync("import", "mem0", sample, "--cube", "shared", "--user", "bob");
        Assert.Equal(1, code);
        Assert.Contains("no write access", err, StringComparison.Ordinal);
        Assert.Equal(0, (await target.JsonAsync("list", "--cube", "shared", "--user", "alice")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_mem0_import_run_again_into_a_deduplicating_cube_adds_nothing_and_says_so()
    {
        // The import always stored a copy: a retried or repeated import doubled every memory of a cube that keeps identical
        // content once, and said "imported 2" both times.
        string sample = Path.Combine(AppContext.BaseDirectory, "Fixtures", "mem0-export.json");
        var first = await target.JsonAsync("import", "mem0", sample, "--cube", "mem0");
        Assert.Equal(2, first.GetProperty("created").GetInt32());
        Assert.Equal(0, first.GetProperty("duplicates").GetInt32());

        var again = await target.JsonAsync("import", "mem0", sample, "--cube", "mem0");
        Assert.Equal(2, again.GetProperty("imported").GetInt32());
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Equal(2, again.GetProperty("duplicates").GetInt32());
        Assert.Equal(first.GetProperty("ids").EnumerateArray().Select(i => i.GetString()), again.GetProperty("ids").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(2, (await target.JsonAsync("list", "--cube", "mem0")).GetProperty("count").GetInt32());

        var (code, output, err) = await target.RunAsync("import", "mem0", sample, "--cube", "mem0");
        Assert.True(code == 0, err);
        Assert.Contains("0 new, 2 already known", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mem0_import_into_a_cube_without_deduplication_stores_a_copy_each_time()
    {
        Assert.Equal(0, (await target.RunAsync("cube", "create", "copies", "--no-dedupe")).Code);
        string sample = Path.Combine(AppContext.BaseDirectory, "Fixtures", "mem0-export.json");
        Assert.Equal(2, (await target.JsonAsync("import", "mem0", sample, "--cube", "copies")).GetProperty("created").GetInt32());
        Assert.Equal(2, (await target.JsonAsync("import", "mem0", sample, "--cube", "copies")).GetProperty("created").GetInt32());
        Assert.Equal(4, (await target.JsonAsync("list", "--cube", "copies")).GetProperty("count").GetInt32());
    }

    [Theory]
    [InlineData("  ")]
    [InlineData("bad\u0001name")]
    public async Task A_restored_cube_takes_a_new_name_only_if_it_is_a_valid_one(string name)
    {
        string file = await SeedAsync();
        var (code, _, err) = await target.RunAsync("import", "cube", file, "--cube", System.Text.RegularExpressions.Regex.Unescape(name));
        Assert.Equal(1, code);
        Assert.Contains("cube name", err, StringComparison.Ordinal);
        Assert.Empty((await target.JsonAsync("cube", "list")).GetProperty("cubes").EnumerateArray());
    }

    [Fact]
    public async Task A_mem0_export_imports_with_every_field_mapped()
    {
        string sample = Path.Combine(AppContext.BaseDirectory, "Fixtures", "mem0-export.json");
        var (code, _, err) = await target.RunAsync("import", "mem0", sample, "--cube", "mem0");
        Assert.True(code == 0, err);
        string exported = Path.Combine(target.Folder, "mem0.jsonl");
        (code, _, err) = await target.RunAsync("export", "--cube", "mem0", "--out", exported);
        Assert.True(code == 0, err);
        var memories = (await File.ReadAllLinesAsync(exported))[1..]
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("versions")[0].Clone())
            .ToDictionary(v => v.GetProperty("provenance").GetProperty("sourceRef").GetString()!);
        Assert.Equal(2, memories.Count);

        var first = memories["mem0:3f1c2a9e-8b7d-4c21-9a55-0e6f1d2b7c40"];
        Assert.Equal("Prefers vegetarian restaurants and is allergic to peanuts", first.GetProperty("text").GetString());
        var scope = first.GetProperty("scope");
        Assert.Equal("alice", scope.GetProperty("user").GetString());
        Assert.Equal("travel-bot", scope.GetProperty("agent").GetString());
        Assert.Equal("run-42", scope.GetProperty("session").GetString());
        Assert.Equal("2024-07-20T17:15:30.1234560Z", first.GetProperty("provenance").GetProperty("recordedAt").GetString());
        Assert.Equal("2024-07-21T15:00:00.0000000Z", first.GetProperty("updatedAt").GetString());
        Assert.Equal("document", first.GetProperty("provenance").GetProperty("source").GetString());
        var tags = first.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("mem0", tags);
        Assert.Contains("food", tags);
        Assert.Contains("health", tags);
        Assert.Contains("mem0.meta.source=onboarding", tags);
        Assert.Contains("mem0.meta.confidence=0.9", tags);
        Assert.Contains("mem0.hash=d41d8cd98f00b204e9800998ecf8427e", tags);
        Assert.Equal("active", first.GetProperty("state").GetString());

        var second = memories["mem0:9a8b7c6d-5e4f-4321-8765-0fedcba98765"];
        Assert.Equal("Lives in Lisbon", second.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("scope").GetProperty("agent").ValueKind);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("scope").GetProperty("session").ValueKind);
        Assert.Equal("2024-07-22T09:00:00.0000000Z", second.GetProperty("updatedAt").GetString());
    }

    [Fact]
    public async Task A_cube_restored_into_another_database_keeps_its_cartridge_when_the_original_cube_is_deleted()
    {
        // The archive names the cartridge file, not its bytes: restored as it was, both databases named one file, and the
        // cube delete in the first deleted the file the copy's memory still named (its memory Active, its payload gone).
        var (id, original) = await AddCartridgeAsync(source, Path.Combine(source.DbPath + ".payloads", "cartridges"));
        string exported = await ExportWorkAsync(source);
        var restored = await target.JsonResultAsync("import", "cube", exported);

        Assert.Equal(0, (await source.RunAsync("cube", "delete", "work", "--yes")).Code);

        Assert.False(File.Exists(original)); // the first database's own file goes with its cube
        var copy = (await GetAsync(target, id)).Payload!;
        Assert.True(copy.IsIntactLocalFile());
        Assert.StartsWith(target.DbPath + ".payloads" + Path.DirectorySeparatorChar, copy.LocalPath, StringComparison.Ordinal);
        Assert.Equal((1, 0), (restored.GetProperty("payloadFiles").GetInt32(), restored.GetProperty("stalePayloads").GetInt32()));
    }

    [Fact]
    public async Task Purging_the_restored_copy_leaves_the_original_its_cartridge()
    {
        var (id, original) = await AddCartridgeAsync(source, Path.Combine(source.DbPath + ".payloads", "cartridges"));
        Assert.Equal(0, (await target.RunAsync("import", "cube", await ExportWorkAsync(source))).Code);
        string copy = (await GetAsync(target, id)).Payload!.LocalPath;

        var (code, _, err) = await target.RunAsync("delete", id, "--purge", "--cube", "work");
        Assert.True(code == 0, err);

        Assert.True((await GetAsync(source, id)).Payload!.IsIntactLocalFile());
        Assert.True(File.Exists(original));
        Assert.False(File.Exists(copy)); // the copy was the second database's own: erased with its memory
    }

    [Fact]
    public async Task A_cartridge_outside_the_payload_folder_is_left_by_a_cube_delete_and_the_audit_says_so()
    {
        // A file elsewhere may be another database's (a cube restored before import copied the files): not this one's to delete.
        string elsewhere = Path.Combine(source.Folder, "shared-cartridges");
        var (_, file) = await AddCartridgeAsync(source, elsewhere);
        Assert.Equal(0, (await source.RunAsync("cube", "delete", "work", "--yes")).Code);

        Assert.True(File.Exists(file));
        await using var store = SqliteMemoryStore.Open(source.DbPath);
        var delete = Assert.Single(await store.ReadAuditAsync(Scope.DefaultTenant), a => a.Action == "cube.delete");
        Assert.Contains("1 payload file(s) outside the payload folder", delete.Detail, StringComparison.Ordinal);
        Assert.Contains(elsewhere, delete.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_cartridge_keeps_its_reference_on_import_and_is_counted_stale()
    {
        var (id, original) = await AddCartridgeAsync(source, Path.Combine(source.DbPath + ".payloads", "cartridges"));
        string exported = await ExportWorkAsync(source);
        File.Delete(original);

        var restored = await target.JsonResultAsync("import", "cube", exported);

        Assert.Equal((0, 1), (restored.GetProperty("payloadFiles").GetInt32(), restored.GetProperty("stalePayloads").GetInt32()));
        Assert.Equal(new Uri(original).AbsoluteUri, (await GetAsync(target, id)).Payload!.Uri); // as written: its scheduler sees it stale
        Assert.False(Directory.Exists(target.DbPath + ".payloads"));
    }

    [Fact]
    public async Task A_cube_import_writes_as_its_caller_and_refuses_an_archive_naming_another_user()
    {
        // Restored as --user bob, an archive edited to name alice made a cube "owned by" alice, full of her "memories", that
        // bob could not read and his own forget missed; the Mem0 import has always refused a file naming another user.
        Assert.Equal(0, (await source.RunAsync("add", "I owe bob 500 dollars", "--cube", "diary", "--user", "bob")).Code);
        string own = Path.Combine(source.Folder, "diary.jsonl");
        Assert.Equal(0, (await source.RunAsync("export", "--cube", "diary", "--user", "bob", "--out", own)).Code);
        string text = await File.ReadAllTextAsync(own);
        Assert.Contains("\"user\":\"bob\"", text, StringComparison.Ordinal);
        string forged = Path.Combine(target.Folder, "forged.jsonl");
        await File.WriteAllTextAsync(forged, text.Replace("\"user\":\"bob\"", "\"user\":\"alice\"", StringComparison.Ordinal));

        var (code, _, err) = await target.RunAsync("import", "cube", forged, "--user", "bob");

        Assert.Equal(1, code);
        Assert.Contains("names user 'alice'", err, StringComparison.Ordinal);
        Assert.Contains("Nothing was restored", err, StringComparison.Ordinal);
        Assert.Empty((await target.JsonAsync("cube", "list")).GetProperty("cubes").EnumerateArray());

        // Bob's own archive is his to restore; the tenant (no --user) keeps the users an archive names.
        Assert.Equal(0, (await target.RunAsync("import", "cube", own, "--user", "bob")).Code);
        Assert.Equal(1, (await target.JsonAsync("list", "--cube", "diary", "--user", "bob")).GetProperty("count").GetInt32());
        using var tenantWide = new CliRunner();
        Assert.Equal(0, (await tenantWide.RunAsync("import", "cube", forged)).Code);
        var listed = await tenantWide.JsonAsync("list", "--cube", "diary", "--user", "alice");
        Assert.Equal("alice", listed.GetProperty("items")[0].GetProperty("scope").GetProperty("user").GetString());
    }

    // An activation memory in cube "work" (with a plaintext one), its cartridge file in folder: where the scheduler writes.
    private static async Task<(string Id, string File)> AddCartridgeAsync(CliRunner cli, string folder)
    {
        await AddAsync(cli, "Dave lives in Ohio");
        string file = Path.Combine(folder, "default-work-0001.amkv");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(file, "kv cache of: Dave lives in Ohio");
        await using var store = SqliteMemoryStore.Open(cli.DbPath);
        await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store));
        var added = await memory.AddAsync(new Scope(Scope.DefaultTenant), "work", new MemoryDraft("KV cartridge of 1 memories: Dave lives in Ohio")
        {
            Kind = MemoryKind.Activation,
            Payload = PayloadRef.ForLocalFile(file, "application/x-agentmem-kv"),
        });
        return (added.Id.ToString(), file);
    }

    private static async Task<string> ExportWorkAsync(CliRunner cli)
    {
        string file = Path.Combine(cli.Folder, "work.jsonl");
        var (code, _, err) = await cli.RunAsync("export", "--cube", "work", "--out", file);
        Assert.True(code == 0, err);
        return file;
    }

    private static async Task<MemoryItem> GetAsync(CliRunner cli, string id)
    {
        await using var store = SqliteMemoryStore.Open(cli.DbPath);
        return await store.GetAsync(Scope.DefaultTenant, MemoryId.Parse(id)) ?? throw new MemoryNotFoundException(id);
    }
}
