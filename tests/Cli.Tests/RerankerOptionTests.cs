namespace AgentMem.Cli.Tests;

public sealed class RerankerOptionTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData("missing")]
    [InlineData("not-json")]
    [InlineData("unknown-feature")]
    public async Task A_bad_reranker_file_exits_1_with_one_message(string kind)
    {
        string path = Path.Combine(cli.Folder, "model.json");
        if (kind != "missing")
        {
            File.WriteAllText(path, kind == "not-json" ? "{ nope" : """{"features":["shoe_size"],"mean":[0],"scale":[1],"linear":[1]}""");
        }

        await cli.RunAsync("add", "Melanie signed up for a pottery class");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(["--db", cli.DbPath, "--reranker", path, "search", "pottery"], stdout, stderr, Output.TerminalKind.None);

        Assert.Equal(1, code);
        string err = stderr.ToString();
        Assert.StartsWith("error: --reranker: ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
