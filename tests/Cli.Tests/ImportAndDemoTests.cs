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
}
