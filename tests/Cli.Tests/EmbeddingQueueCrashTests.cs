using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentMem.Cli.Tests;

/// <summary>
/// <c>agentmem serve</c> with a (slow) model embedder takes writes at once and embeds them in the background. Killed with
/// SIGKILL mid-queue, the next start resumes the queue by itself (no search, no write): every memory ends with a vector,
/// and no memory whose vector was stored before the kill is embedded again.
/// </summary>
public sealed class EmbeddingQueueCrashTests : IDisposable
{
    private const int Memories = 200;
    private const int Batch = 64; // RetrievalStateOptions.EmbedBatch: at most one batch is in flight when the process dies
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact(Timeout = 240_000)]
    public async Task A_killed_service_resumes_its_embedding_queue_and_embeds_no_stored_vector_again()
    {
        // A slow model: each batch is answered after 400 ms; every request is recorded as it arrives.
        await using var model = new ScriptedHttpServer(async (_, request) =>
        {
            await Task.Delay(400);
            return ScriptedHttpServer.Embeddings(request);
        });
        string modelUrl = model.BaseUrl.ToString();
        List<string> Embedded() => [.. model.Requests.SelectMany(r => r.Inputs)];
        var texts = Enumerable.Range(0, Memories).Select(i => $"note {i} about {Words[i % Words.Length]} and {Words[(i * 7) % Words.Length]}").ToList();

        // First life: every write is acknowledged before its vector exists; the process dies with the queue part done.
        int port = LocalService.FreePort();
        using (var server = StartServer(port, modelUrl))
        {
            try
            {
                using var client = Client(port);
                await LocalService.WaitForHealthAsync(client, () => server.HasExited);
                foreach (string text in texts)
                {
                    var response = await client.PostAsJsonAsync("/v1/memories", new { text });
                    Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                }

                // The queue works without any search; kill once some vectors are stored and some are not.
                await WaitForAsync(client, h => h.Embedded >= Batch && h.Pending > 0, server);
            }
            finally
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
        }

        var firstLife = Embedded();
        long waiting = await WaitingAsync(modelUrl);
        Assert.InRange(waiting, 1, Memories - Batch);
        Assert.Equal(firstLife.Count, firstLife.Distinct().Count()); // nothing was embedded twice in the first life

        // Second life: no request but /health; the service resumes the queue by itself.
        model.Requests.Clear();
        port = LocalService.FreePort();
        using (var server = StartServer(port, modelUrl))
        {
            try
            {
                using var client = Client(port);
                await LocalService.WaitForHealthAsync(client, () => server.HasExited);
                var done = await WaitForAsync(client, h => h.Pending == 0 && h.Embedded >= waiting, server);
                Assert.Equal(waiting, done.Embedded);
            }
            finally
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
        }

        var secondLife = Embedded();
        Assert.Equal(0, await WaitingAsync(modelUrl));

        // Exactly the memories without a stored vector were embedded again, each once.
        Assert.Equal(waiting, secondLife.Count);
        Assert.Equal(secondLife.Count, secondLife.Distinct().Count());

        // What the first life embedded but could not store (the batch in flight at the kill) is all that was embedded twice.
        var twice = firstLife.Intersect(secondLife).ToList();
        Assert.InRange(twice.Count, 0, Batch);
        Assert.Equal(texts.Order(StringComparer.Ordinal), firstLife.Union(secondLife).Select(t => texts.Single(x => t.Contains(x, StringComparison.Ordinal))).Distinct().Order(StringComparer.Ordinal));
    }

    private static readonly string[] Words = ["tea", "coffee", "hiking", "piano", "garden", "chess", "sailing", "pottery", "dog", "museum", "violin"];

    private static HttpClient Client(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

    private async Task<long> WaitingAsync(string modelUrl)
    {
        var stats = await cli.JsonAsync("--embedder", "http", "--embedder-url", modelUrl, "--embedder-model", "fake", "stats");
        return stats.GetProperty("embeddings").GetProperty("waiting").GetInt64();
    }

    private static async Task<(long Pending, long Embedded)> WaitForAsync(HttpClient client, Func<(long Pending, long Embedded), bool> condition, Process server)
    {
        for (int i = 0; i < 1200; i++)
        {
            Assert.False(server.HasExited, "serve exited early");
            using var health = JsonDocument.Parse(await client.GetStringAsync("/health"));
            var e = health.RootElement.GetProperty("embeddings");
            Assert.Equal(JsonValueKind.Null, e.TryGetProperty("error", out var error) ? error.ValueKind : JsonValueKind.Null);
            var now = (e.GetProperty("pending").GetInt64(), e.GetProperty("embedded").GetInt64());
            if (condition(now))
            {
                return now;
            }

            await Task.Delay(50);
        }

        Assert.Fail("the embedding queue never reached the expected state");
        return default;
    }

    private Process StartServer(int port, string modelUrl) =>
        LocalService.StartCli(["--db", cli.DbPath, "--embedder", "http", "--embedder-url", modelUrl, "--embedder-model", "fake", "serve", "--urls", $"http://127.0.0.1:{port}"]);
}
