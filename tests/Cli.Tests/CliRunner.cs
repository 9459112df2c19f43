using System.Globalization;
using System.Text.Json;
using AgentMem.Cli.Output;
using Microsoft.Data.Sqlite;

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

    /// <summary>The result line of a verb whose <c>--json</c> output puts progress events before it (import cube, export).</summary>
    public async Task<JsonElement> JsonResultAsync(params string[] args)
    {
        var (code, output, error) = await RunAsync([.. args, "--json"]);
        Assert.True(code == 0, $"exit {code}: {error}");
        using var doc = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        return doc.RootElement.Clone();
    }

    /// <summary>
    /// Makes the database full without a full disk: a pooled connection, opened with the very connection string
    /// SqliteMemoryStore.Open(path) builds, is given SQLite's <c>max_page_count</c> at the current size plus
    /// <paramref name="spare"/> pages; the in-process CLI's store takes it from the pool, so a write that needs more pages
    /// fails with SQLITE_FULL as ENOSPC would. <see cref="SqliteConnection.ClearAllPools"/> gives the room back.
    /// </summary>
    public void CapAtCurrentSize(int spare = 0)
    {
        string cs = new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(DbPath),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 10,
        }.ToString();
        using var connection = new SqliteConnection(cs);
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "PRAGMA page_count;";
        long pages = (long)count.ExecuteScalar()!;
        using var cap = connection.CreateCommand();
        cap.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count = {pages + spare};");
        cap.ExecuteNonQuery();
    }

    public void Dispose() => folder.Dispose();
}
