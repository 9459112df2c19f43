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

    [Fact]
    public async Task A_long_memory_is_embedded_with_its_passage_groups_once_and_found_by_its_nearest_group()
    {
        var embedder = new CountingEmbedder();
        var options = new RetrievalStateOptions();
        await using var writer = new MemoryOS(Store, new AgentMem.Retrieval.Lexical.Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "c");
        var random = new Random(17);
        string log = Log(random, 30_000, "the canary rollout owner is Priya");
        var longOne = await writer.AddAsync(Me, "c", new MemoryDraft(log));
        await writer.AddBatchAsync(Me, "c", Enumerable.Range(0, 20).Select(_ => new MemoryDraft(ShortTurn(random))).ToList());
        int groups = PassageColumn.VectorSpans(log, options.PassageChars, options.VectorPassageChars).Count;
        Assert.InRange(groups, 50, 150); // one vector per ~300-character passage by default

        var request = new SearchRequest(Me.Tenant, "canary rollout owner Priya", new MemoryFilter { CubeId = cube.Id }, 5);
        using (var state = new RetrievalState(Store, embedder, options))
        {
            var hits = await new HybridRetriever(state, new HybridOptions { ItemWeight = 0, WindowWeight = 0, SessionWeight = 0, VectorWeight = 1, ActorWeight = 0, VectorMinSimilarity = 0 }).SearchAsync(request);
            Assert.Equal(longOne.Id, hits[0].Item.Id);
            Assert.Contains("Priya", hits[0].Excerpt, StringComparison.Ordinal); // the nearest group, found by the vector alone
            Assert.InRange(hits[0].Excerpt.Length, 100, options.VectorPassageChars * 5 / 4);
        }

        // Every text embedded once: the memories' own texts, the long one's groups, and the query.
        Assert.Equal(21 + groups + 1, embedder.Texts);
        var stored = await Store.GetEmbeddingsAsync(Me.Tenant, cube.Id, "counting/v1/9", [longOne.Id]);
        Assert.Equal(9 * (1 + groups), Assert.Single(stored).Vector.Length);

        // A new state takes every vector from the store: only the query is embedded.
        using (var again = new RetrievalState(Store, embedder, options))
        {
            var hits = await new HybridRetriever(again, new HybridOptions { ItemWeight = 0, WindowWeight = 0, SessionWeight = 0, VectorWeight = 1, ActorWeight = 0, VectorMinSimilarity = 0 }).SearchAsync(request);
            Assert.Equal(longOne.Id, hits[0].Item.Id);
        }

        Assert.Equal(21 + groups + 2, embedder.Texts);
    }

    [Fact]
    public async Task A_cube_served_through_spann_reopens_with_its_passage_vectors_from_the_store()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var options = new RetrievalStateOptions { AnnThreshold = 60, IndexDirectory = indexes, SnapshotMinimum = 50 };
        await using var writer = new MemoryOS(Store, new AgentMem.Retrieval.Lexical.Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "big");
        var random = new Random(23);
        await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 120).Select(_ => new MemoryDraft(ShortTurn(random))).ToList());
        var longOne = await writer.AddAsync(Me, "big", new MemoryDraft(Log(random, 20_000, "the canary rollout owner is Priya Raman from the platform team")));
        var request = new SearchRequest(Me.Tenant, "who owns the canary rollout, Priya Raman?", new MemoryFilter { CubeId = cube.Id }, 5);

        var state = new RetrievalState(Store, options: options);
        await new HybridRetriever(state, HybridOptions.VectorOnly()).SearchAsync(request);
        await state.WaitForIndexesAsync();
        Assert.True(state.ServesThroughAnn(Me.Tenant, cube.Id));
        var before = await new HybridRetriever(state, HybridOptions.VectorOnly()).SearchAsync(request);
        Assert.Equal(longOne.Id, before[0].Item.Id);
        Assert.Contains("Priya", before[0].Excerpt, StringComparison.Ordinal);
        state.Dispose();

        using var reopened = new RetrievalState(Store, options: options);
        var after = await new HybridRetriever(reopened, HybridOptions.VectorOnly()).SearchAsync(request);
        Assert.True(reopened.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.True(reopened.RestoredFromSnapshot(Me.Tenant, cube.Id));
        Assert.Equal(0, reopened.EmbeddedTexts);
        Assert.Equal(longOne.Id, after[0].Item.Id);
        Assert.Equal(before[0].Passage, after[0].Passage);
    }

    [Fact]
    public async Task A_long_memory_rewritten_but_not_yet_re_embedded_reopens_through_spann_without_its_old_passage_vectors()
    {
        // Until the background embedder re-embeds it, the store holds the old text's embedding: a reopen through SPANN
        // attached its passage vectors to the new text, ranking the memory by a meaning it no longer has.
        string indexes = Path.Combine(Folder, "s.db.index");
        var options = new RetrievalStateOptions { AnnThreshold = 60, IndexDirectory = indexes, SnapshotMinimum = 50 };
        var deferring = new RetrievalStateOptions { AnnThreshold = 60, IndexDirectory = indexes, SnapshotMinimum = 50, InlineEmbedLimit = 0 };
        var embedder = new CountingEmbedder();
        await using var writer = new MemoryOS(Store, new AgentMem.Retrieval.Lexical.Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "big");
        var random = new Random(23);
        await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 120).Select(_ => new MemoryDraft(ShortTurn(random))).ToList());
        const string Fact = "the canary rollout owner is Priya Raman from the platform team";
        string oldText = Log(random, 20_000, Fact);
        var longOne = await writer.AddAsync(Me, "big", new MemoryDraft(oldText));
        var request = new SearchRequest(Me.Tenant, "who owns the canary rollout, Priya Raman?", new MemoryFilter { CubeId = cube.Id }, 5);
        using (var state = new RetrievalState(Store, embedder, options))
        {
            await new HybridRetriever(state, HybridOptions.VectorOnly()).SearchAsync(request);
            await state.WaitForIndexesAsync();
            Assert.Equal(longOne.Id, (await new HybridRetriever(state, HybridOptions.VectorOnly()).SearchAsync(request))[0].Item.Id);
            Assert.True(state.ServesThroughAnn(Me.Tenant, cube.Id)); // a build that ended before the wait is taken over by a search
        }

        // The same length and layout, so the new text splits into as many vector groups as the old one.
        var rewritten = await writer.UpdateAsync(Me, longOne.Id, new MemoryChange { Text = oldText.Replace(Fact, "the nightly backup job of the staging cluster finished cleanly", StringComparison.Ordinal) });
        Assert.Equal(longOne.Id, rewritten.Id);
        embedder.Held = new TaskCompletionSource().Task; // the background embedder never gets to it
        using (var state = new RetrievalState(Store, embedder, deferring))
        {
            await state.PrepareAsync(Me.Tenant, cube.Id); // restores, then catches up: the rewrite waits for its vectors
            Assert.True(state.RestoredFromSnapshot(Me.Tenant, cube.Id));
            Assert.Equal(1, state.PendingEmbeddingsIn(Me.Tenant, cube.Id));
        }

        using var reopened = new RetrievalState(Store, embedder, deferring);
        var hits = await new HybridRetriever(reopened, HybridOptions.VectorOnly()).SearchAsync(request);
        Assert.True(reopened.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.True(reopened.RestoredFromSnapshot(Me.Tenant, cube.Id));
        Assert.All(hits.Where(h => h.Item.Id == longOne.Id), h => Assert.Equal(0, h.Components["vector"]));
    }

    [Fact]
    public async Task Neighbour_signals_keep_their_weight_among_chat_turns_and_fade_among_long_texts()
    {
        using var hybrid = new HybridRetriever(Store);
        await using var os = new MemoryOS(Store, hybrid);
        var chat = await os.CreateCubeAsync(Me, "chat");
        var docs = await os.CreateCubeAsync(Me, "docs");
        var random = new Random(19);
        await os.AddBatchAsync(Me, "chat", Enumerable.Range(0, 40).Select(i => new MemoryDraft(ShortTurn(random)) { Session = $"s{i / 8}" }).ToList());
        await os.AddBatchAsync(Me, "docs", Enumerable.Range(0, 10).Select(i => new MemoryDraft(Log(random, 8_000, null)) { Session = $"s{i / 5}" }).ToList());

        var options = new HybridOptions();
        float Scale(AgentMem.Retrieval.State.CubeIndex index, string cube) =>
            new AgentMem.Retrieval.Hybrid.Signals.ScoringContext(index, new SearchRequest(Me.Tenant, "q", new MemoryFilter { CubeId = cube }, 5), options, ["q"], null, DateTimeOffset.UtcNow).NeighbourScale;
        Assert.Equal(1f, await hybrid.State.WithCubeAsync(Me.Tenant, chat.Id, index => Scale(index, chat.Id), default));
        float docsScale = await hybrid.State.WithCubeAsync(Me.Tenant, docs.Id, index => Scale(index, docs.Id), default);
        Assert.InRange(docsScale, 0.01f, 0.2f);

        // Off, the weights are what the options say.
        options.NeighbourReferenceLength = 0;
        Assert.Equal(1f, await hybrid.State.WithCubeAsync(Me.Tenant, docs.Id, index => Scale(index, docs.Id), default));
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

    /// <summary>
    /// A model-like embedder (not the hashing one, which the state runs inline) that counts the texts it embeds. Like a
    /// sentence model it reads only the start of a text (500 characters); its dimensions count a few topic words.
    /// </summary>
    private sealed class CountingEmbedder : Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>
    {
        private static readonly string[] Topics = ["canary", "rollout", "owner", "priya", "billing", "cache", "queue", "region"];
        private readonly Microsoft.Extensions.AI.EmbeddingGeneratorMetadata metadata = new("counting", null, "v1", Topics.Length + 1);
        private int texts;

        public int Texts => Volatile.Read(ref texts);

        /// <summary>What a call with more than one text (memories, not a query) waits for first.</summary>
        public Task Held { get; set; } = Task.CompletedTask;

        public async Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> GenerateAsync(IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            if (list.Count > 1)
            {
                await Held.WaitAsync(cancellationToken);
            }

            Interlocked.Add(ref texts, list.Count);
            return new Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>(list.Select(t => new Microsoft.Extensions.AI.Embedding<float>(Embed(t))));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose()
        {
        }

        private static float[] Embed(string text)
        {
            var words = AgentMem.Retrieval.Lexical.TextAnalyzer.Words(text.Length > 500 ? text[..500] : text);
            var v = new float[Topics.Length + 1];
            for (int i = 0; i < Topics.Length; i++)
            {
                v[i] = words.Count(w => w == Topics[i]);
            }

            v[^1] = 0.1f; // no text is the zero vector
            return v;
        }
    }
}
