using System.Text.Json;

namespace AgentMem.Cli.Tests;

/// <summary>
/// The CLI's restore logs nothing: <c>dotnet run</c> prints restore warnings on stdout, where the README's alias
/// (<c>id=$(agentmem add …)</c>) and an MCP client over stdio read them as output.
/// </summary>
public sealed class RestoreTests
{
    [Fact]
    public void The_cli_restores_without_warnings()
    {
        string assets = RepoPaths.File("src", "Cli", "obj", "project.assets.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(assets));
        var logged = doc.RootElement.TryGetProperty("logs", out var logs)
            ? logs.EnumerateArray().Select(l => $"{l.GetProperty("code").GetString()}: {l.GetProperty("message").GetString()}").ToList()
            : [];
        Assert.Empty(logged);
    }
}
