using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentMem.Cli.Tests;

/// <summary>
/// The process that owns a cube's indexes (here <c>agentmem serve</c>, with a SPANN threshold low enough that the
/// index is built, updated and checkpointed during the test) is SIGKILLed at several points; on reopen the index
/// replays from the store's change feed: <c>index verify</c> reports no drift and every acknowledged write is found.
/// </summary>
public sealed class IndexCrashTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Theory(Timeout = 240_000)]
    [InlineData(7, 40)]
    [InlineData(19, 140)]
    public async Task A_killed_index_owner_loses_nothing_and_verify_reports_no_drift(int seed, int writesBeforeKill)
    {
        var random = new Random(seed);
        var acknowledged = new List<(string Id, string Token)>();
        var seedLines = Enumerable.Range(0, 150).Select(i => $"seed memory {i} about {Words[random.Next(Words.Length)]} and {Words[random.Next(Words.Length)]}").ToList();
        foreach (string line in seedLines)
        {
            var (code, _, err) = await cli.RunAsync("add", line);
            Assert.True(code == 0, err);
        }

        for (int life = 0; life < 2; life++)
        {
            int port = LocalService.FreePort();
            using var server = StartServer(port);
            try
            {
                using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
                await LocalService.WaitForHealthAsync(client, () => server.HasExited);
                for (int i = 0; i < writesBeforeKill; i++)
                {
                    string token = $"crashtoken{life}x{i}q{seed}";
                    var response = await client.PostAsJsonAsync("/v1/memories", new { text = $"{token} {Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]}" });
                    Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    acknowledged.Add((doc.RootElement.GetProperty("id").GetString()!, token));

                    // Searches drive the index: catch-up, the background SPANN build, its take-over and checkpoints.
                    var search = await client.PostAsJsonAsync("/v1/search", new { query = $"{Words[random.Next(Words.Length)]} {token}", k = 5 });
                    Assert.Equal(HttpStatusCode.OK, search.StatusCode);
                }
            }
            finally
            {
                server.Kill(entireProcessTree: true); // SIGKILL: no checkpoint, no flush
                await server.WaitForExitAsync();
            }
        }

        var verify = await cli.RunAsync("index", "verify", "--json");
        Assert.True(verify.Code == 0, $"index verify exited {verify.Code}: {verify.Out} {verify.Err}");
        Assert.Contains("\"drift\":false", verify.Out, StringComparison.Ordinal);
        foreach (var (id, token) in acknowledged)
        {
            var (code, output, err) = await cli.RunAsync("search", token, "--k", "3", "--json");
            Assert.True(code == 0, err);
            Assert.Contains(id, output, StringComparison.Ordinal);
        }
    }

    private static readonly string[] Words = ["tea", "coffee", "hiking", "piano", "garden", "chess", "sailing", "pottery", "dog", "museum"];

    private Process StartServer(int port) => LocalService.StartCli(
        ["--db", cli.DbPath, "serve", "--urls", $"http://127.0.0.1:{port}"],
        new Dictionary<string, string>
        {
            ["AGENTMEM_ANN_THRESHOLD"] = "120",
            ["AGENTMEM_CHECKPOINT_EVERY"] = "10",
            ["AGENTMEM_SNAPSHOT_MINIMUM"] = "50", // snapshots written (and killed mid-write) too
        });
}
