using AgentMem.Agents.Blocks;
using AgentMem.Cli.Commands;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Cli.Tests;

/// <summary>
/// Control characters in stored text (ESC, BEL, a C1 CSI) never reach a person's terminal raw: OSC 0 set the window
/// title, CSI 2J cleared the screen. The human-readable verbs show each as a visible \xNN; --json keeps the text exact.
/// </summary>
public sealed class TerminalControlsTests : IDisposable
{
    private const string Evil = "evil \u001b]0;PWNED\u0007\u001b[2J\u009b31m red\r\nnext\tline end";

    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Verbs_for_people_show_the_controls_of_stored_text_tags_actor_and_reason_as_visible_escapes()
    {
        var added = await cli.JsonAsync("add", Evil, "--tag", "tag\u001b[1m", "--actor", "actor\u0007", "--reason", "why\u001b[5m");
        string id = added.GetProperty("id").GetString()!;
        Assert.Equal(0, (await cli.RunAsync("update", id, Evil + " again", "--reason", "new\u001b]52;c;eA==\u0007")).Code);

        string[][] verbs = [["list"], ["get", id], ["search", "evil"], ["search", "evil", "--explain"], ["history", id], ["links", id], ["context", "evil"]];
        foreach (string[] args in verbs)
        {
            var (code, output, error) = await cli.RunAsync(args);
            Assert.True(code == 0, $"{args[0]}: exit {code}: {error}");
            AssertNoControls(args[0], output + error);
            Assert.Contains("\\x1B", output, StringComparison.Ordinal);
        }

        // JSON's encoder escapes controls itself: the text stays exact there.
        var json = await cli.JsonAsync("get", id);
        Assert.Equal(Evil + " again", json.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Chat_slash_commands_show_the_controls_of_memories_and_blocks_as_visible_escapes()
    {
        var scope = new Scope(Scope.DefaultTenant, "me");
        await using var store = SqliteMemoryStore.Open(cli.DbPath);
        await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store));
        var blocks = new CoreMemoryBlocks(memory);
        await blocks.AppendAsync(scope, "chat-me", "human", "Name: \u001b]0;PWNED\u0007Ann.");
        var added = await memory.AddAsync(scope, "chat-me", new MemoryDraft(Evil) { Actor = "user\u001b[8m" });

        using var output = new StringWriter();
        var commands = new ChatSlashCommands(memory, blocks, scope, "chat-me", output);
        foreach (string line in new[] { "/memories", "/search evil", "/blocks", $"/forget {added.Id}" })
        {
            Assert.True(await commands.RunAsync(line, CancellationToken.None));
        }

        AssertNoControls("chat", output.ToString());
        Assert.Contains("\\x1B]0;PWNED\\x07Ann.", output.ToString(), StringComparison.Ordinal);
    }

    // A line break is the only control allowed: \n, or \r\n where the platform writes that.
    private static void AssertNoControls(string verb, string written)
    {
        int at = Enumerable.Range(0, written.Length).FirstOrDefault(
            i => char.IsControl(written[i]) && written[i] != '\n' && !(written[i] == '\r' && i + 1 < written.Length && written[i + 1] == '\n'), -1);
        Assert.True(at < 0, $"{verb} wrote U+{(at < 0 ? 0 : (int)written[at]):X4} raw at {at}: {written}");
    }
}
