using System.Text.Json;

namespace AgentMem.Cli.Tests;

public sealed class ImportAndDemoTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Import_reports_each_committed_batch_then_a_summary()
    {
        var (code, output, err) = await cli.RunAsync("import", "conversation", RepoPaths.File("examples", "conversations", "sample-conversation.json"), "--batch-size", "10", "--json");
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count(l => l.GetProperty("event").GetString() == "batch"));
        var done = lines[^1];
        Assert.Equal("done", done.GetProperty("event").GetString());
        Assert.Equal(35, done.GetProperty("turns").GetInt32());
        Assert.Equal(35, done.GetProperty("created").GetInt32());
        var ids = lines.Where(l => l.GetProperty("event").GetString() == "batch").SelectMany(l => l.GetProperty("ids").EnumerateArray().Select(i => i.GetString())).ToList();
        Assert.Equal(35, ids.Distinct().Count());

        var hit = (await cli.JsonAsync("search", "Biscuit rabies shot", "--k", "1")).GetProperty("hits")[0].GetProperty("memory");
        Assert.Equal("maya-and-leo/s2:8", hit.GetProperty("provenance").GetProperty("sourceRef").GetString());
        Assert.Equal("s2", hit.GetProperty("scope").GetProperty("session").GetString());

        // Importing again adds nothing new: every turn is already remembered.
        var again = await cli.RunAsync("import", "conversation", RepoPaths.File("examples", "conversations", "sample-conversation.json"), "--json");
        Assert.Contains("\"created\":0", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conversation_with_a_350_KB_pasted_log_imports_whole_and_a_fact_from_the_log_s_middle_is_found()
    {
        var random = new Random(21);
        var log = new System.Text.StringBuilder();
        string[] parts = ["gateway", "scheduler", "billing", "auth", "cache", "worker"];
        while (log.Length < 350_000)
        {
            if (log.Length > 170_000 && log.Length < 175_000 && !log.ToString().Contains("quarantine", StringComparison.Ordinal))
            {
                log.Append("2026-03-01T09:14:02Z WARN [deploy] the nightly job now writes its quarantine bucket to s3://acme-quarantine-7\n");
            }

            log.Append(System.Globalization.CultureInfo.InvariantCulture, $"2026-03-01T09:{random.Next(60):00}:{random.Next(60):00}Z INFO [{parts[random.Next(parts.Length)]}] request {random.Next(100_000, 999_999)} done in {random.Next(1, 900)} ms\n");
        }

        var turns = new List<object>();
        for (int i = 0; i < 20; i++)
        {
            turns.Add(new { speaker = i % 2 == 0 ? "user" : "assistant", text = $"Turn {i}: the {parts[i % parts.Length]} service needs another look at its retries." });
        }

        turns.Insert(10, new { speaker = "user", text = "Here is the whole log from last night:\n" + log });
        string path = Path.Combine(cli.Folder, "long.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { format = "agentmem.conversation.v1", id = "ops", sessions = new[] { new { id = "s1", turns } } }));

        var (code, output, err) = await cli.RunAsync("--embedder", "hashing", "import", "conversation", path, "--json");
        Assert.True(code == 0, err);
        var done = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Equal(21, done.GetProperty("created").GetInt32());
        Assert.Equal(0, done.GetProperty("oversized").GetArrayLength());

        var hit = (await cli.JsonAsync("--embedder", "hashing", "search", "where does the nightly job put its quarantine bucket", "--k", "3")).GetProperty("hits")[0];
        Assert.Equal("ops/s1:11", hit.GetProperty("memory").GetProperty("provenance").GetProperty("sourceRef").GetString());
        Assert.True(hit.GetProperty("memory").GetProperty("text").GetString()!.Length > 340_000);
        Assert.Contains("s3://acme-quarantine-7", hit.GetProperty("passage").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_of_a_broken_file_fails_cleanly_and_stores_nothing()
    {
        string path = Path.Combine(cli.Folder, "broken.json");
        await File.WriteAllTextAsync(path, "{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\",\"sessions\":[{\"turns\":[{\"speaker\":\"A\"}]}]}");
        var (code, _, err) = await cli.RunAsync("import", "conversation", path);
        Assert.Equal(1, code);
        Assert.Contains("$.sessions[0].turns[0].text", err, StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("list")).Code); // nothing was created, not even the cube
    }

    [Fact]
    public async Task Import_of_a_turn_no_memory_can_hold_creates_no_cube()
    {
        // Well-formed JSON, but turn t2's tag is empty: refused before anything is stored, and before the cube is created.
        string path = Path.Combine(cli.Folder, "bad-tag.json");
        var turns = new object[]
        {
            new { id = "t1", speaker = "user", text = "I moved to Lisbon." },
            new { id = "t2", speaker = "user", text = "I adopted a cat.", tags = new[] { "" } },
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { format = "agentmem.conversation.v1", id = "c", sessions = new[] { new { id = "s1", turns } } }));
        var (code, _, err) = await cli.RunAsync("import", "conversation", path);
        Assert.Equal(1, code);
        Assert.Contains("t2", err, StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("list")).Code); // no cube was created
    }

    [Fact]
    public async Task Demo_imports_the_sample_and_finds_the_answers()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(["demo", "--json"], stdout, stderr, Output.TerminalKind.None);
        Assert.True(code == 0, stderr.ToString());
        // --json output is one JSON document per line.
        var docs = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var searches = docs.Where(d => d.TryGetProperty("hits", out _)).ToList();
        Assert.Equal(5, searches.Count);
        string Top(int i) => searches[i].GetProperty("hits")[0].GetProperty("memory").GetProperty("text").GetString()!;
        Assert.Contains("Lisbon", Top(0), StringComparison.Ordinal);
        Assert.Contains("cleared to fly", Top(1), StringComparison.Ordinal);

        // The paraphrases share no content word with their answers: the demo's packaged sentence model finds them.
        Assert.Contains("seagulls on Carcavelos beach", Top(3), StringComparison.Ordinal);
        Assert.Contains("rabies shot", Top(4), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_demo_with_the_hashing_embedder_misses_the_paraphrases()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(["--embedder", "hashing", "demo", "--json"], stdout, stderr, Output.TerminalKind.None);
        Assert.True(code == 0, stderr.ToString());
        var searches = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).Where(d => d.TryGetProperty("hits", out _)).ToList();
        string Top(int i) => searches[i].GetProperty("hits") is { } hits && hits.GetArrayLength() > 0 ? hits[0].GetProperty("memory").GetProperty("text").GetString()! : string.Empty;
        Assert.Contains("cleared to fly", Top(1), StringComparison.Ordinal); // words still work
        Assert.DoesNotContain("seagulls", Top(3), StringComparison.Ordinal);
        Assert.DoesNotContain("rabies", Top(4), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_demo_for_people_writes_its_headings_as_lines_when_standard_output_is_no_terminal()
    {
        // Results are not wrapped when standard output is no terminal, so nothing may fill the console's width there: a
        // heading rule as wide as an unbounded console could never be written.
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(["--embedder", "hashing", "demo"], stdout, stderr, Output.TerminalKind.None);
        Assert.True(code == 0, stderr.ToString());
        var lines = stdout.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("── Imported 35 turns of 'Maya and Leo catch up over three months' ──", lines);
        Assert.Contains(lines, l => l.StartsWith("Done. ", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.Length < 400, l));
    }

    [Fact]
    public async Task The_kept_demo_tells_a_command_that_finds_its_memories_and_says_it_did_not_use_db()
    {
        // The command left out --cube and --user, so it searched the default cube ("No cube 'default'"), and a --db the user
        // gave was replaced by a temporary file without a word.
        string mine = Path.Combine(Path.GetTempPath(), "agentmem-demo-test-" + Guid.NewGuid().ToString("N") + ".db");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(["--embedder", "hashing", "--db", mine, "--user", "alice", "--cube", "trip", "demo", "--keep"], stdout, stderr, Output.TerminalKind.None);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("--db is not used by demo", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(mine));

        string done = Assert.Single(stdout.ToString().Split(Environment.NewLine), l => l.StartsWith("Done. ", StringComparison.Ordinal));
        string[] words = done[(done.IndexOf("Explore it: agentmem ", StringComparison.Ordinal) + "Explore it: agentmem ".Length)..].Split(' ');
        string kept = Path.GetDirectoryName(words[Array.IndexOf(words, "--db") + 1])!;
        try
        {
            Assert.Equal(["--user", "alice", "--cube", "trip", "--embedder", "hashing", "search", "Biscuit"], words[2..]);
            using var searchOut = new StringWriter();
            using var searchErr = new StringWriter();
            Assert.True(await CliApp.RunAsync([.. words, "--json"], searchOut, searchErr, Output.TerminalKind.None) == 0, searchErr.ToString());
            var hits = JsonDocument.Parse(searchOut.ToString()).RootElement.GetProperty("hits");
            Assert.Contains(hits.EnumerateArray(), h => h.GetProperty("memory").GetProperty("text").GetString()!.Contains("Biscuit", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(kept, recursive: true);
        }
    }

    [Theory]
    [InlineData("7")]
    [InlineData("1")]
    [InlineData("skip,split")]
    [InlineData("bogus")]
    public async Task Oversize_takes_only_skip_or_split_and_anything_else_imports_nothing(string value)
    {
        // Enum.TryParse took numbers and comma lists: '7' and 'skip,split' imported, storing oversized turns in parts, and a
        // real typo was refused naming the CLR type.
        var (code, output, err) = await cli.RunAsync("import", "conversation", RepoPaths.File("examples", "conversations", "sample-conversation.json"), "--oversize", value, "--cube", "c7");
        Assert.True(code == 1, $"exit {code}: {output}{err}");
        Assert.Equal($"error: Unknown --oversize '{value}'; use one of skip, split.", Assert.Single(err.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)));
        Assert.DoesNotContain((await cli.JsonAsync("cube", "list")).GetProperty("cubes").EnumerateArray(), c => c.GetProperty("name").GetString() == "c7");
    }

    [Theory]
    [InlineData("split")]
    [InlineData(" SKIP ")]
    public async Task Oversize_takes_its_names_in_any_case(string value)
    {
        var (code, _, err) = await cli.RunAsync("import", "conversation", RepoPaths.File("examples", "conversations", "sample-conversation.json"), "--oversize", value, "--cube", "c8");
        Assert.True(code == 0, err);
    }
}
