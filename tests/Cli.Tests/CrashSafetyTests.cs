using System.Diagnostics;
using System.Text.Json;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Cli.Tests;

/// <summary>
/// Kills (SIGKILL) a real <c>agentmem import</c> process in the middle of a batch import, then checks
/// the database opens, passes SQLite's integrity check, holds every batch the process acknowledged,
/// and holds no partial batch.
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private const int BatchSize = 5;
    private const int Turns = 60_000;
    private const int AcksBeforeKill = 8;
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task A_process_killed_mid_import_loses_no_acknowledged_batch()
    {
        string file = Path.Combine(cli.Folder, "big.json");
        await WriteConversationAsync(file);

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "AgentMem.Cli.dll"), "--db", cli.DbPath, "import", "conversation", file, "--json", "--batch-size", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        var acknowledged = new List<MemoryId>();
        int batches = 0;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (batches < AcksBeforeKill && await child.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                using var doc = JsonDocument.Parse(line);
                Assert.Equal("batch", doc.RootElement.GetProperty("event").GetString());
                acknowledged.AddRange(doc.RootElement.GetProperty("ids").EnumerateArray().Select(i => MemoryId.Parse(i.GetString()!)));
                batches++;
            }
        }
        finally
        {
            child.Kill(entireProcessTree: true); // SIGKILL on Unix: no finalizers, no rollback, no flush.
            await child.WaitForExitAsync();
        }

        Assert.True(batches == AcksBeforeKill, $"the import ended after {batches} batches: {await child.StandardError.ReadToEndAsync()}");
        Assert.NotEqual(0, child.ExitCode);

        await using var store = SqliteMemoryStore.Open(cli.DbPath);
        Assert.Equal("ok", IntegrityCheck(cli.DbPath));
        var tenant = Scope.DefaultTenant;
        var cube = await store.FindCubeAsync(tenant, "default");
        Assert.NotNull(cube);
        var present = await store.GetManyAsync(tenant, acknowledged);
        Assert.Equal(acknowledged.Count, present.Count);

        var all = new List<MemoryItem>();
        MemoryId? after = null;
        while (true)
        {
            var page = await store.ListAsync(tenant, new MemoryFilter { CubeId = cube.Id }, 5000, after);
            all.AddRange(page);
            if (page.Count < 5000)
            {
                break;
            }

            after = page[^1].Id;
        }

        Assert.True(all.Count >= acknowledged.Count);
        Assert.True(all.Count < Turns, "the process finished before it was killed, so nothing was tested");
        Assert.Equal(0, all.Count % BatchSize); // whole batches only: a transaction is all or nothing
    }

    private static string IntegrityCheck(string path)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check;";
        return (string)cmd.ExecuteScalar()!;
    }

    private static async Task WriteConversationAsync(string path)
    {
        await using var stream = File.Create(path);
        await using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("format", "agentmem.conversation.v1");
        json.WriteString("id", "crash-test");
        json.WriteStartArray("sessions");
        const int perSession = 500;
        for (int s = 0; s < Turns / perSession; s++)
        {
            json.WriteStartObject();
            json.WriteString("id", $"s{s}");
            json.WriteString("date", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(s));
            json.WriteStartArray("turns");
            for (int t = 0; t < perSession; t++)
            {
                json.WriteStartObject();
                json.WriteString("speaker", t % 2 == 0 ? "Ann" : "Ben");
                json.WriteString("text", $"Session {s} turn {t}: a unique remark about item {s * perSession + t}.");
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
