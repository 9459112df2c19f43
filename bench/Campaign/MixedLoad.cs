using System.Diagnostics;

namespace AgentMem.Campaign.Bench;

/// <summary>
/// The mixed client load: each client loops add (40 %), search (40 %) and update of one of its own memories (20 %), one
/// request at a time, until stopped. Every 2xx add or update goes into <see cref="AcknowledgedWrites"/>. The existing
/// workload harness (<c>src/Benchmarks/Workload</c>) drives <c>MemoryOS</c> in-process; this one goes through HTTP, which is
/// what the campaign measures.
/// </summary>
internal sealed class MixedLoad(Uri baseAddress, ApiKey key, int clients, int seed, AcknowledgedWrites acknowledged, LatencyRecorder recorder)
{
    public const string Cube = "campaign";

    private static readonly string[] Words =
    [
        "garden", "river", "concert", "pottery", "hiking", "support", "group", "painting", "camping", "adoption",
        "school", "birthday", "guitar", "museum", "library", "marathon", "recipe", "festival", "beach", "workshop",
    ];

    /// <summary>Runs until <paramref name="stop"/> fires; requests already sent are let finish (or fail, under a kill).</summary>
    /// <param name="expectFailures">Under a kill, failed requests after the kill are expected and not counted.</param>
    /// <param name="stop">Stops the loops between requests.</param>
    public async Task RunAsync(Func<bool> expectFailures, CancellationToken stop)
    {
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c, expectFailures, stop), CancellationToken.None));
        await Task.WhenAll(tasks);
    }

    private async Task ClientAsync(int client, Func<bool> expectFailures, CancellationToken stop)
    {
        var random = new Random(LoadSeed.ForClient(seed, client));
        using var api = new ApiClient(baseAddress, key);
        var mine = new List<string>();
        int op = 0;
        while (!stop.IsCancellationRequested)
        {
            op++;
            int dice = random.Next(100);
            string route = dice < 40 || mine.Count == 0 ? "POST /v1/memories" : dice < 80 ? "POST /v1/search" : "PATCH /v1/memories/{id}";
            var watch = Stopwatch.StartNew();
            try
            {
                switch (route)
                {
                    case "POST /v1/memories":
                    {
                        string text = $"client {client} op {op} seed {seed}: {Sentence(random)}";
                        var (id, status) = await api.AddAsync(Cube, text);
                        if (id is null)
                        {
                            Fail(route, $"HTTP {status}");
                            break;
                        }

                        acknowledged.Added(id, text);
                        mine.Add(id);
                        break;
                    }

                    case "POST /v1/search":
                    {
                        int status = await api.SearchAsync(Cube, Sentence(random));
                        if (status >= 300)
                        {
                            Fail(route, $"HTTP {status}");
                        }

                        break;
                    }

                    default:
                    {
                        string id = mine[random.Next(mine.Count)];
                        string text = $"client {client} op {op} seed {seed} (updated): {Sentence(random)}";
                        acknowledged.Sending(id, text);
                        var (version, status) = await api.UpdateAsync(id, text);
                        if (version is null)
                        {
                            Fail(route, $"HTTP {status}");
                            break;
                        }

                        acknowledged.Updated(id, version.Value, text);
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                if (expectFailures())
                {
                    return;
                }

                Fail(route, $"{ex.GetType().Name}: {ex.Message}");
            }

            recorder.Record(route, watch.Elapsed.TotalMilliseconds);
        }

        void Fail(string route, string what)
        {
            if (!expectFailures())
            {
                recorder.Error(route, what);
            }
        }
    }

    private static string Sentence(Random random) =>
        string.Join(' ', Enumerable.Range(0, 3 + random.Next(6)).Select(_ => Words[random.Next(Words.Length)]));
}
