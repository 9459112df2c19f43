using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Cli.Tests;

/// <summary>
/// A long-lived process (like <c>agentmem serve</c>) keeps its indexes while other processes write the same database:
/// every add, update and purge they commit must be reflected in its next search, and a purge must leave no trace of
/// the text in any file of the data directory.
/// </summary>
public sealed class CrossProcessTests : IDisposable
{
    private static readonly Scope Me = new("default", "cli");
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact(Timeout = 180_000)]
    public async Task Another_process_s_add_update_and_purge_reach_the_next_search_and_the_purged_text_leaves_every_file()
    {
        Assert.Equal(0, (await ChildAsync("add", "Ann keeps her bicycle in the garden shed")).Code);
        await using var store = SqliteMemoryStore.Open(cli.DbPath);
        await using var service = new MemoryOS(store, DefaultRetrievers.Create(store));
        var cube = (await service.ListCubesAsync(Me)).Single().Name;
        Assert.Single(await service.SearchAsync(Me, cube, "bicycle garden"));

        // Add, in another process.
        const string Token = "xylophonequasar";
        var (code, output) = await ChildAsync("add", $"Bob hid the {Token} under the stairs", "--json");
        Assert.Equal(0, code);
        string id = JsonDocument.Parse(output).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(id, (await service.SearchAsync(Me, cube, Token))[0].Item.Id.ToString());

        // Update, in another process: the old text stops matching, the new one matches.
        Assert.Equal(0, (await ChildAsync("update", id, $"Bob moved the {Token} to the attic", "--reason", "moved")).Code);
        var updated = await service.SearchAsync(Me, cube, "attic");
        Assert.Equal(id, updated[0].Item.Id.ToString());
        Assert.Empty(await service.SearchAsync(Me, cube, "stairs"));

        // Purge, in another process: gone from search, list and context here, and from every file.
        Assert.Equal(0, (await ChildAsync("delete", id, "--purge")).Code);
        Assert.Empty(await service.SearchAsync(Me, cube, Token));
        Assert.DoesNotContain(await service.SearchAsync(Me, cube, "Bob attic"), h => h.Item.Id.ToString() == id);
        var list = await cli.RunAsync("list", "--state", "deleted");
        Assert.DoesNotContain(Token, list.Out, StringComparison.Ordinal);
        var context = await cli.RunAsync("context", $"where is the {Token}", "--budget", "2000");
        Assert.DoesNotContain(Token, context.Out, StringComparison.Ordinal);

        await service.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var needle = Encoding.UTF8.GetBytes(Token);
        foreach (string file in Directory.EnumerateFiles(cli.Folder, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{Path.GetFileName(file)} still holds the purged text");
        }
    }

    private async Task<(int Code, string Output)> ChildAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "AgentMem.Cli.dll"), "--db", cli.DbPath }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        string output = await child.StandardOutput.ReadToEndAsync();
        string error = await child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();
        Assert.True(child.ExitCode == 0, $"agentmem {string.Join(' ', args)} exited {child.ExitCode}: {error}");
        return (child.ExitCode, output);
    }
}
