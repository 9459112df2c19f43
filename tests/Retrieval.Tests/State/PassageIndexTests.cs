using System.Globalization;
using System.Text;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.Context;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.State;

namespace AgentMem.Retrieval.Tests.State;

public sealed class PassageIndexTests : TempStore
{
    private static readonly Scope Me = new("acme", "alice");
    private static readonly string[] Components = ["gateway", "scheduler", "indexer", "billing", "auth", "cache", "queue", "worker", "metrics", "search"];
    private static readonly string[] Levels = ["INFO", "DEBUG", "WARN", "ERROR"];
    private static readonly string[] Verbs = ["started", "finished", "retried", "timed out", "reconnected", "flushed", "rotated", "evicted"];

    [Fact]
    public async Task A_fact_in_the_middle_of_a_350_KB_pasted_log_is_found_and_quoted_by_its_passage()
    {
        using var hybrid = new HybridRetriever(Store);
        await using var os = new MemoryOS(Store, hybrid);
        await os.CreateCubeAsync(Me, "chat");
        var random = new Random(3);
        var drafts = Enumerable.Range(0, 150).Select(i => new MemoryDraft(ShortTurn(random)) { Actor = i % 2 == 0 ? "user" : "assistant", Session = $"s{i / 10}" }).ToList();
        await os.AddBatchAsync(Me, "chat", drafts);

        const string Fact = "Note for later: the staging cluster was moved to region eu-west-3 because of the Paris office latency.";
        string log = Log(random, 350_000, Fact);
        Assert.InRange(Encoding.UTF8.GetByteCount(log), 345_000, 360_000);
        var giant = await os.AddAsync(Me, "chat", new MemoryDraft(log) { Actor = "user", Session = "s7" });

        var hits = await os.SearchAsync(Me, "chat", "Which region is the staging cluster in now?", k: 10);
        Assert.Equal(giant.Id, hits[0].Item.Id);
        var passage = hits[0].Passage ?? throw new Xunit.Sdk.XunitException("the long memory's hit names no passage");
        Assert.Contains("eu-west-3", hits[0].Excerpt, StringComparison.Ordinal);
        Assert.InRange(passage.Length, 100, 2 * RetrievalStateOptions.DefaultPassageChars);
        Assert.InRange(passage.Start, log.Length / 4, log.Length * 3 / 4);

        // The context builder gives the passage, not 350 KB.
        var context = ContextBuilder.Select(hits, 151, new ContextOptions { TokenBudget = 2000 });
        Assert.Contains("eu-west-3", context.Text, StringComparison.Ordinal);
        Assert.Contains(giant.Id, context.Memories.Select(m => m.Id));
        Assert.InRange(context.Tokens, 1, 2000);
    }

    [Fact]
    public async Task Short_memories_have_no_passages_and_rank_as_before()
    {
        using var hybrid = new HybridRetriever(Store);
        await using var os = new MemoryOS(Store, hybrid);
        var cube = await os.CreateCubeAsync(Me, "chat");
        var random = new Random(5);
        await os.AddBatchAsync(Me, "chat", Enumerable.Range(0, 60).Select(i => new MemoryDraft(ShortTurn(random)) { Session = $"s{i / 6}" }).ToList());
        var hits = await os.SearchAsync(Me, "chat", "billing queue retried", k: 10);
        Assert.NotEmpty(hits);
        Assert.All(hits, h => Assert.Null(h.Passage));
        Assert.Equal(0, await hybrid.State.WithCubeAsync(Me.Tenant, cube.Id, index => index.Passages.Count, default));
    }

    [Fact]
    public async Task Incremental_passages_match_a_full_rebuild_through_adds_updates_and_deletes()
    {
        using var incremental = new HybridRetriever(Store);
        using var rebuilt = new HybridRetriever(Store, new HybridOptions { Name = "rebuilt", RebuildOnWrite = true });
        await using var os = new MemoryOS(Store, [incremental, rebuilt]);
        await os.CreateCubeAsync(Me, "chat");
        var random = new Random(9);
        var ids = new List<MemoryCore.Identity.MemoryId>();
        for (int round = 0; round < 5; round++)
        {
            var drafts = Enumerable.Range(0, 6).Select(i => new MemoryDraft(i % 3 == 0 ? Log(random, 6_000 + random.Next(6_000), null) : ShortTurn(random)) { Session = $"s{round}" }).ToList();
            ids.AddRange((await os.AddBatchAsync(Me, "chat", drafts)).Select(o => o.Id));
            await os.UpdateAsync(Me, ids[random.Next(ids.Count)], new MemoryChange { Text = Log(random, 5_000, "the canary rollout owner is Priya") });
            var gone = ids[random.Next(ids.Count)];
            await os.DeleteAsync(Me, gone);
            ids.Remove(gone);
            foreach (string query in new[] { "who owns the canary rollout", "billing worker timed out", "cache evicted ERROR" })
            {
                var want = await os.SearchAsync(Me, "chat", query, k: 10, retrieverName: "rebuilt");
                var got = await os.SearchAsync(Me, "chat", query, k: 10, retrieverName: "hybrid");
                Assert.Equal(want.Count, got.Count);
                for (int i = 0; i < want.Count; i++)
                {
                    Assert.True(Math.Abs(want[i].Score - got[i].Score) < 1e-4, $"'{query}' rank {i}: {want[i].Score} vs {got[i].Score}");
                    Assert.Equal(want[i].Excerpt, got[i].Excerpt);
                }
            }
        }
    }

    [Fact]
    public async Task A_snapshot_restores_the_passages_of_long_memories()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var options = new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 10 };
        var random = new Random(13);
        var request = new SearchRequest(Me.Tenant, "who owns the canary rollout", new MemoryFilter(), 5);
        await using var writer = new MemoryOS(Store, new AgentMem.Retrieval.Lexical.Bm25Retriever(Store)); // writes only; it owns the store
        var cube = await writer.CreateCubeAsync(Me, "c");
        var drafts = Enumerable.Range(0, 30).Select(i => new MemoryDraft(i == 17 ? Log(random, 40_000, "the canary rollout owner is Priya") : i % 4 == 0 ? Log(random, 4_000, null) : ShortTurn(random))).ToList();
        await writer.AddBatchAsync(Me, "c", drafts);
        string cubeId = cube.Id;
        request = request with { Filter = new MemoryFilter { CubeId = cube.Id } };
        IReadOnlyList<SearchHit> before;
        using (var state = new RetrievalState(Store, options: options))
        {
            before = await new HybridRetriever(state).SearchAsync(request);
        }

        using var restored = new RetrievalState(Store, options: options);
        var after = await new HybridRetriever(restored).SearchAsync(request);
        Assert.True(restored.RestoredFromSnapshot(Me.Tenant, cubeId));
        Assert.Equal(before.Select(h => (h.Item.Id, h.Passage)), after.Select(h => (h.Item.Id, h.Passage)));
        Assert.Contains("Priya", after[0].Excerpt, StringComparison.Ordinal);
        Assert.NotNull(after[0].Passage);
    }

    private static string ShortTurn(Random random) =>
        string.Create(CultureInfo.InvariantCulture, $"The {Components[random.Next(Components.Length)]} {Verbs[random.Next(Verbs.Length)]} again, can you check the {Components[random.Next(Components.Length)]} region settings?");

    /// <summary>A log of about <paramref name="chars"/> characters with <paramref name="fact"/> on a line in its middle.</summary>
    private static string Log(Random random, int chars, string? fact)
    {
        var sb = new StringBuilder(chars + 200);
        var time = new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);
        bool planted = fact is null;
        while (sb.Length < chars)
        {
            if (!planted && sb.Length >= chars / 2)
            {
                sb.Append(fact).Append('\n');
                planted = true;
            }

            time = time.AddMilliseconds(random.Next(5, 900));
            sb.Append(CultureInfo.InvariantCulture, $"{time:yyyy-MM-ddTHH:mm:ss.fff}Z {Levels[random.Next(Levels.Length)]} [{Components[random.Next(Components.Length)]}] request {random.Next(100_000, 999_999)} {Verbs[random.Next(Verbs.Length)]} after {random.Next(1, 5000)} ms\n");
            if (random.Next(40) == 0)
            {
                sb.Append('\n');
            }
        }

        return sb.ToString();
    }
}
