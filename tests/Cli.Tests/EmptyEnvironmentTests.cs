namespace AgentMem.Cli.Tests;

/// <summary>
/// A setting left empty in the environment (a compose file's <c>AGENTMEM_EMBEDDER=</c>, an MCP config's <c>"${X}"</c> with X
/// unset) means unset, as it already did for the database and the reranker (a process of its own: the environment is process-wide).
/// </summary>
public sealed class EmptyEnvironmentTests : IDisposable
{
    private readonly TempFolder folder = new("empty-env");

    [Fact]
    public async Task Empty_settings_fall_back_to_their_defaults()
    {
        var empty = new Dictionary<string, string>
        {
            ["AGENTMEM_EMBEDDER"] = string.Empty,
            ["AGENTMEM_EMBEDDER_MODEL"] = string.Empty,
            ["AGENTMEM_EMBEDDER_URL"] = string.Empty,
            ["AGENTMEM_RERANKER"] = string.Empty,
        };
        var (code, output, error) = await LocalService.RunCliAsync(
            ["--db", folder.File("e.db"), "--json", "add", "Melanie signed up for a pottery class"], empty, TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("\"id\"", output, StringComparison.Ordinal);
    }

    public void Dispose() => folder.Dispose();
}
