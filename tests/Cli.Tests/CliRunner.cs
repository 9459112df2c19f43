using System.Text.Json;
using AgentMem.Cli.Output;

namespace AgentMem.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output, against a database in a temporary folder.</summary>
internal sealed class CliRunner : IDisposable
{
    private readonly TempFolder folder = new("cli");

    public CliRunner() => DbPath = folder.File("cli.db");

    public string Folder => folder.Path;

    public string DbPath { get; }

    public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(["--db", DbPath, .. args], stdout, stderr, TerminalKind.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public async Task<JsonElement> JsonAsync(params string[] args)
    {
        var (code, output, error) = await RunAsync([.. args, "--json"]);
        Assert.True(code == 0, $"exit {code}: {error}");
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.Clone();
    }

    public void Dispose() => folder.Dispose();
}
