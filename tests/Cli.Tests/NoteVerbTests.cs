namespace AgentMem.Cli.Tests;

/// <summary><c>add --note</c> and <c>links</c>: notes with links through the command line.</summary>
public sealed class NoteVerbTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Notes_added_from_the_command_line_are_linked_and_links_shows_the_neighbourhood()
    {
        var first = await cli.JsonAsync("add", "Dave restored a vintage Ford Mustang with his dad", "--actor", "Dave", "--note", "--time", "2023-05-08");
        string firstId = first.GetProperty("id").GetString()!;
        var second = await cli.JsonAsync("add", "The Ford Mustang restoration needed a new engine", "--actor", "Dave", "--note");
        string secondId = second.GetProperty("id").GetString()!;
        var link = second.GetProperty("links")[0];
        Assert.Equal(firstId, link.GetProperty("target").GetString());

        var hood = await cli.JsonAsync("links", firstId);
        Assert.Contains("ford mustang", hood.GetProperty("keywords").EnumerateArray().Select(k => k.GetString()));
        var back = hood.GetProperty("links")[0];
        Assert.Equal(secondId, back.GetProperty("target").GetString());
        Assert.Contains("mustang", back.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The second note links to the first, so the first lists it as incoming too.
        var incoming = Assert.Single(hood.GetProperty("incoming").EnumerateArray().ToList());
        Assert.Equal((secondId, link.GetProperty("type").GetString()), (incoming.GetProperty("source").GetString(), incoming.GetProperty("type").GetString()));
        Assert.Equal(0, hood.GetProperty("hidden").GetInt32());

        var (code, text, _) = await cli.RunAsync("links", secondId);
        Assert.Equal(0, code);
        Assert.Contains("elaborates", text, StringComparison.Ordinal);
        Assert.Contains("linked from", text, StringComparison.Ordinal);

        var (missing, _, err) = await cli.RunAsync("links", "01ARZ3NDEKTSV4RRFFQ69G5FAV");
        Assert.Equal(1, missing);
        Assert.NotEmpty(err);
    }
}
