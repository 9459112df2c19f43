using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Retrieval.Tests.Hybrid;

public sealed class HybridRetrieverTests : IAsyncLifetime
{
    private static readonly Scope Me = new("acme", "alice");
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-hybrid-" + Guid.NewGuid().ToString("N"));
    private MemoryOS memory = null!;
    private HybridRetriever hybrid = null!;
    private SqliteMemoryStore store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        store = SqliteMemoryStore.Open(Path.Combine(folder, "h.db"));
        hybrid = new HybridRetriever(store);
        memory = new MemoryOS(store, [hybrid, new Bm25Retriever(store), new HybridRetriever(store, new HybridOptions { Name = "rrf", Fusion = FusionMethod.ReciprocalRank }), new HybridRetriever(store, new HybridOptions { Name = "mmr", MmrLambda = 0.3 })]);
        await memory.CreateCubeAsync(Me, "chat");
    }

    public async Task DisposeAsync()
    {
        await memory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private Task<IReadOnlyList<AddOutcome>> Conversation(string session, params (string Speaker, string Text)[] turns) =>
        memory.AddBatchAsync(Me, "chat", turns.Select(t => new MemoryDraft(t.Text) { Actor = t.Speaker, Session = session }).ToList());

    [Fact]
    public async Task A_turn_is_found_through_the_words_of_its_neighbours()
    {
        // The answer turn ("Contemporary, ...") shares no content word with the question; its neighbour does.
        var ids = await Conversation("s1",
            ("Jon", "Which style of dance do you love most?"),
            ("Gina", "Contemporary, it is so expressive and graceful."),
            ("Jon", "Nice, I should try it sometime."));
        await Conversation("s2", ("Jon", "The weather was awful today."), ("Gina", "Rain all week here too."));

        var hybridHits = await memory.SearchAsync(Me, "chat", "Which style of dance is the favourite?", k: 2);
        Assert.Contains(ids[1].Id, hybridHits.Select(h => h.Item.Id));
        var bm25Hits = await memory.SearchAsync(Me, "chat", "Which style of dance is the favourite?", k: 10, retrieverName: "bm25");
        Assert.DoesNotContain(ids[1].Id, bm25Hits.Select(h => h.Item.Id));
    }

    [Theory]
    [InlineData("hybrid")]
    [InlineData("rrf")]
    [InlineData("mmr")]
    public async Task A_query_of_function_words_only_finds_the_memories_that_hold_them(string retriever)
    {
        // "The Who" and "It" are all stop words, which the cube's indexes leave out: the hybrid searched them anyway and
        // found nothing, where bm25 (the store's full-text index, which keeps them) found the memories.
        var ids = await Conversation("s1",
            ("Jon", "Last summer we saw The Who play at Wembley."),
            ("Gina", "Our favourite film is It, the one with the clown."),
            ("Jon", "Rain on Monday, snow on Tuesday."));

        var who = await memory.SearchAsync(Me, "chat", "The Who", k: 5, retrieverName: retriever);
        Assert.Equal([ids[0].Id, ids[1].Id], who.Select(h => h.Item.Id)); // both hold "the"; only the first "who"
        Assert.True(who[0].Components["bm25_item"] > who[1].Components["bm25_item"]);

        var it = await memory.SearchAsync(Me, "chat", "It?", k: 5, retrieverName: retriever);
        Assert.Equal([ids[1].Id], it.Select(h => h.Item.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_memory_deleted_or_superseded_between_scoring_and_reading_back_is_not_returned(bool supersede)
    {
        // The hits are read back from the store after the index scored them; only a purged one was dropped, so a delete
        // or a supersede committed in between returned a Deleted or Superseded memory to a search for live ones.
        var ids = await Conversation("s1", ("Jon", "The pottery class starts on Monday."), ("Gina", "Pottery and tea on Sunday."));
        bool armed = false;
        MemoryId? changed = null;
        var racing = AgentMem.Stores.Tests.InterceptedStore.Over(store, (method, args) =>
        {
            if (method != nameof(IMemoryStore.GetManyAsync) || !armed)
            {
                return null;
            }

            armed = false;
            var wanted = (IReadOnlyList<MemoryId>)args[1]!;
            changed = wanted[0];
            return ChangeThenReadAsync((string)args[0]!, wanted);
        });
        using var retriever = new HybridRetriever(racing);
        var request = new SearchRequest(Me.Tenant, "pottery", new MemoryFilter { CubeId = (await memory.OpenCubeAsync(Me, "chat")).Id }, 10);
        Assert.Equal(2, (await retriever.SearchAsync(request)).Count); // the index is built: the next search reads the store once

        armed = true;
        var hits = await retriever.SearchAsync(request);

        Assert.NotNull(changed);
        var other = ids.Select(o => o.Id).Single(id => id != changed.Value);
        Assert.Equal([other], hits.Select(h => h.Item.Id));

        async Task<IReadOnlyList<MemoryItem>> ChangeThenReadAsync(string tenant, IReadOnlyList<MemoryId> wanted)
        {
            if (supersede)
            {
                await memory.SupersedeAsync(Me, wanted[0], "the class moved");
            }
            else
            {
                await memory.DeleteAsync(Me, wanted[0]);
            }

            return await store.GetManyAsync(tenant, wanted);
        }
    }

    [Fact]
    public async Task Memories_by_the_actor_the_query_names_are_preferred_and_explained()
    {
        var ids = await Conversation("s1", ("Melanie", "I adopted a puppy last week."), ("Caroline", "I adopted a kitten yesterday."));
        var hits = await memory.SearchAsync(Me, "chat", "What did Caroline adopt?");
        Assert.Equal(ids[1].Id, hits[0].Item.Id);
        Assert.Equal(1, hits[0].Components["actor"]);
        Assert.Equal(0, hits[1].Components["actor"]);
        foreach (string key in new[] { "bm25_item", "bm25_window", "bm25_session", "vector", "fused" })
        {
            Assert.True(hits[0].Components.ContainsKey(key), key);
        }

        Assert.Equal(hits[0].Score, hits[0].Components["fused"], 5);
    }

    [Fact]
    public async Task The_actor_boost_holds_after_another_actor_s_last_memory_is_gone()
    {
        var ids = await Conversation("s1", ("Alice", "I painted the fence on Sunday."), ("Melanie", "I adopted a puppy last week."), ("Caroline", "I adopted a kitten yesterday."));
        Assert.Equal(1, (await memory.SearchAsync(Me, "chat", "What did Caroline adopt?"))[0].Components["actor"]);

        // Alice leaves the cube's actors; Caroline keeps the third number handed out.
        await memory.PurgeAsync(Me, ids[0].Id);
        var hits = await memory.SearchAsync(Me, "chat", "What did Caroline adopt?");
        Assert.Equal(ids[2].Id, hits[0].Item.Id);
        Assert.Equal(1, hits[0].Components["actor"]);
    }

    [Fact]
    public async Task Tied_memories_rank_alike_in_an_index_that_reused_a_purged_slot_and_in_a_fresh_one()
    {
        // Ties were broken by slot: a purged memory's slot goes to the next memory added, so the index a process kept
        // ranked a new memory before an older tie, and the index another process built ranked them the other way.
        var options = new HybridOptions { Name = "rrf-lexical", Fusion = FusionMethod.ReciprocalRank, VectorWeight = 0 };
        await using var kept = new MemoryOS(store, new HybridRetriever(store, options));
        var gone = await kept.AddAsync(Me, "chat", new MemoryDraft("The zebra crossing by the school."));
        var older = await kept.AddAsync(Me, "chat", new MemoryDraft("Ann drinks green tea."));
        Assert.Single(await kept.SearchAsync(Me, "chat", "tea"));
        await kept.PurgeAsync(Me, gone.Id);
        var newer = await kept.AddAsync(Me, "chat", new MemoryDraft("Ann drinks black tea."));

        var incremental = (await kept.SearchAsync(Me, "chat", "tea")).Select(h => h.Item.Id).ToList();
        await using var fresh = new MemoryOS(store, new HybridRetriever(store, options));
        var rebuilt = (await fresh.SearchAsync(Me, "chat", "tea")).Select(h => h.Item.Id).ToList();

        Assert.Equal([older.Id, newer.Id], rebuilt);
        Assert.Equal(rebuilt, incremental);
    }

    [Fact]
    public async Task Writes_are_seen_by_the_next_search()
    {
        await Conversation("s1", ("Ann", "I like green tea."));
        Assert.Single(await memory.SearchAsync(Me, "chat", "tea"));
        var added = await memory.AddAsync(Me, "chat", new MemoryDraft("Ben prefers black tea.") { Session = "s1" });
        Assert.Equal(2, (await memory.SearchAsync(Me, "chat", "tea")).Count);
        await memory.DeleteAsync(Me, added.Id);
        Assert.Single(await memory.SearchAsync(Me, "chat", "tea"));
        var first = (await memory.SearchAsync(Me, "chat", "tea"))[0].Item.Id;
        await memory.UpdateAsync(Me, first, new MemoryChange { Text = "I like coffee now." });
        Assert.Empty(await memory.SearchAsync(Me, "chat", "tea"));
        Assert.Single(await memory.SearchAsync(Me, "chat", "coffee"));
    }

    [Fact]
    public async Task Filters_apply_to_every_signal()
    {
        var may = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        await memory.AddAsync(Me, "chat", new MemoryDraft("coffee with Sam") { Tags = ["social"], Session = "s1", ValidFrom = may });
        var b = await memory.AddAsync(Me, "chat", new MemoryDraft("coffee beans order") { Tags = ["shopping"], Session = "s2", ValidFrom = may.AddMonths(1) });
        Assert.Equal([b.Id], (await memory.SearchAsync(Me, "chat", "coffee", filter: new MemoryFilter { AnyTags = ["shopping"] })).Select(h => h.Item.Id));
        Assert.Equal([b.Id], (await memory.SearchAsync(Me, "chat", "coffee", filter: new MemoryFilter { ValidFromOrAfter = may.AddDays(1) })).Select(h => h.Item.Id));
        Assert.Equal([b.Id], (await memory.SearchAsync(Me, "chat", "coffee", filter: new MemoryFilter { Session = "s2" })).Select(h => h.Item.Id));
        await memory.SetStateAsync(Me, b.Id, LifecycleState.Archived);
        Assert.Single(await memory.SearchAsync(Me, "chat", "coffee"));
        Assert.Equal([b.Id], (await memory.SearchAsync(Me, "chat", "coffee", filter: new MemoryFilter { States = [LifecycleState.Archived] })).Select(h => h.Item.Id));
    }

    [Theory]
    [InlineData("hybrid")]
    [InlineData("bm25")]
    [InlineData("vector")]
    public async Task A_filter_asking_for_superseded_memories_finds_them_with_every_retriever(string retriever)
    {
        // The cube's indexes hold no superseded memory: the hybrid and vector retrievers answered a filter for superseded
        // memories with nothing, and one for every state (an empty list) without them, where bm25 (the store's full-text
        // index) found them. "What did the user believe before?" found nothing through the default retriever.
        var other = SqliteMemoryStore.Open(Path.Combine(folder, "states.db"));
        await using var every = new MemoryOS(other, DefaultRetrievers.Create(other));
        await every.CreateCubeAsync(Me, "facts");
        var berlin = await every.AddAsync(Me, "facts", new MemoryDraft("The user lives in Berlin."));
        var lisbon = await every.AddAsync(Me, "facts", new MemoryDraft("The user moved to Lisbon."));
        await every.SupersedeAsync(Me, berlin.Id, "moved", [new MemoryLink(lisbon.Id, MemoryCore.Links.LinkTypes.SupersededBy)]);

        var before = await every.SearchAsync(Me, "facts", "Where does the user live?", filter: new MemoryFilter { States = [LifecycleState.Superseded] }, retrieverName: retriever);
        var both = await every.SearchAsync(Me, "facts", "Where does the user live?", filter: new MemoryFilter { States = [] }, retrieverName: retriever);
        var mixed = await every.SearchAsync(Me, "facts", "Where does the user live?", filter: new MemoryFilter { States = [LifecycleState.Active, LifecycleState.Superseded] }, retrieverName: retriever);
        var now = await every.SearchAsync(Me, "facts", "Where does the user live?", retrieverName: retriever);

        Assert.Equal([berlin.Id], before.Select(h => h.Item.Id));
        Assert.Equal(LifecycleState.Superseded, before[0].Item.State);
        Assert.Equal(new[] { berlin.Id, lisbon.Id }.Order(), both.Select(h => h.Item.Id).Order());
        Assert.Equal(new[] { berlin.Id, lisbon.Id }.Order(), mixed.Select(h => h.Item.Id).Order());
        Assert.Equal([lisbon.Id], now.Select(h => h.Item.Id));
    }

    [Fact]
    public async Task Duplicates_collapse_and_mmr_diversifies()
    {
        await memory.CreateCubeAsync(Me, "raw", policy: new MemoryCore.Cubes.CubePolicy { Deduplicate = false });
        var drafts = new[] { "pasta recipe with basil", "pasta recipe with basil", "pasta recipe with basil and garlic", "bike repair shop opens at nine" }
            .Select(t => new MemoryDraft(t)).ToList();
        await memory.AddBatchAsync(Me, "raw", drafts);
        var hits = await memory.SearchAsync(Me, "raw", "pasta recipe", k: 10);
        Assert.Equal(2, hits.Count); // two identical memories count once; the bike memory does not match
        var mmr = await memory.SearchAsync(Me, "raw", "pasta recipe", k: 2, retrieverName: "mmr");
        Assert.Equal(2, mmr.Count);
        Assert.NotEqual(mmr[0].Item.ContentHash, mmr[1].Item.ContentHash);
    }

    [Fact]
    public async Task Collapsing_many_copies_keeps_the_best_ranked_copy_of_each_text_as_a_sort_would()
    {
        await memory.CreateCubeAsync(Me, "copies", policy: new MemoryCore.Cubes.CubePolicy { Deduplicate = false });
        var random = new Random(3);
        string[] texts = ["pasta recipe with basil", "pasta with garlic and basil", "a recipe for pasta salad", "basil grows well in pots", "pasta night on friday"];
        var drafts = Enumerable.Range(0, 300).Select(i => new MemoryDraft(i % 4 == 0 ? $"pasta note number {i}" : texts[random.Next(texts.Length)]) { Session = $"s{i % 7}" }).ToList();
        await memory.AddBatchAsync(Me, "copies", drafts);
        var cube = (await memory.ListCubesAsync(Me)).Single(c => c.Name == "copies");

        // The reference: every hit, uncollapsed, in ranked order; then the first of each content, as a full sort gives.
        using var uncollapsed = new HybridRetriever(store, new HybridOptions { CollapseDuplicates = false });
        var all = await uncollapsed.SearchAsync(new MemoryCore.Search.SearchRequest(Me.Tenant, "pasta recipe basil", new MemoryFilter { CubeId = cube.Id }, 300));
        var want = all.DistinctBy(h => h.Item.ContentHash).Take(12).Select(h => h.Item.Id).ToList();

        var got = await hybrid.SearchAsync(new MemoryCore.Search.SearchRequest(Me.Tenant, "pasta recipe basil", new MemoryFilter { CubeId = cube.Id }, 12));
        Assert.Equal(12, got.Count);
        Assert.Equal(want, got.Select(h => h.Item.Id).ToList());
    }

    [Fact]
    public async Task Reciprocal_rank_fusion_ranks_the_same_evidence_first()
    {
        var ids = await Conversation("s1", ("Ann", "Comet won a ribbon at the dog show."), ("Ben", "My sister moved to Oslo."));
        var weighted = await memory.SearchAsync(Me, "chat", "Which ribbon did Comet win?");
        var rrf = await memory.SearchAsync(Me, "chat", "Which ribbon did Comet win?", retrieverName: "rrf");
        Assert.Equal(ids[0].Id, weighted[0].Item.Id);
        Assert.Equal(ids[0].Id, rrf[0].Item.Id);
    }

    [Fact]
    public async Task Under_reciprocal_rank_fusion_a_recency_boost_weighs_as_much_as_under_weighted_fusion()
    {
        // RRF scores (at most Σ weight / 61) were some 60 times smaller than the weighted sum the boosts are sized for,
        // so a recency weight of 0.1 lifted a weak match of yesterday over the best match of two months ago. Scaled so a
        // signal's top memory gets its whole weight, the recency boost is again small beside a lead in relevance.
        var old = DateTimeOffset.UtcNow.AddDays(-60);
        var good = await memory.AddAsync(Me, "chat", new MemoryDraft("The adoption agency approved our adoption application last week.") { ValidFrom = old });
        string[] others =
        [
            "The adoption agency called about our application.", "Adoption paperwork from the agency arrived.",
            "We talked about adoption with the agency.", "The agency wants another adoption application.", "Adoption takes a long time, the agency says.",
        ];
        await memory.AddBatchAsync(Me, "chat", others.Select(t => new MemoryDraft(t) { ValidFrom = old }).ToList());
        await memory.AddAsync(Me, "chat", new MemoryDraft("My car is at the dealer; the paperwork is an application form.") { ValidFrom = DateTimeOffset.UtcNow.AddDays(-1) });
        await using var os = new MemoryOS(store,
        [
            new HybridRetriever(store, new HybridOptions { Name = "weighted", RecencyWeight = 0.1f }),
            new HybridRetriever(store, new HybridOptions { Name = "rrf", Fusion = FusionMethod.ReciprocalRank, RecencyWeight = 0.1f }),
        ]);

        foreach (string fusion in new[] { "weighted", "rrf" })
        {
            var hits = await os.SearchAsync(Me, "chat", "Did the adoption agency approve the adoption application?", k: 10, retrieverName: fusion);
            Assert.Equal(good.Id, hits[0].Item.Id);
        }
    }

    [Fact]
    public async Task An_empty_cube_or_a_query_without_matches_returns_nothing()
    {
        Assert.Empty(await memory.SearchAsync(Me, "chat", "anything"));
        await Conversation("s1", ("Ann", "hello there"));
        Assert.Empty(await memory.SearchAsync(Me, "chat", "zebra quantum"));
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { VectorWeight = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { ItemWeight = float.MaxValue }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { TimeWeight = float.NaN }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { NeighbourReferenceLength = float.PositiveInfinity }.Validate());
        new HybridOptions { ItemWeight = HybridOptions.MaxWeight }.Validate();
        Assert.Throws<ArgumentException>(() => new HybridOptions { ItemWeight = 0, WindowWeight = 0, SessionWeight = 0, VectorWeight = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { MmrLambda = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { RecencyHalfLifeDays = 0 }.Validate());
    }

    [Fact]
    public async Task Cube_indexes_stay_within_the_byte_budget_and_evicted_cubes_still_answer()
    {
        using var state = new AgentMem.Retrieval.State.RetrievalState(store, options: new AgentMem.Retrieval.State.RetrievalStateOptions { CacheBytes = 1 << 20 });
        var small = new HybridRetriever(state, new HybridOptions { Name = "small" });
        var os = new MemoryOS(store, small);
        for (int c = 0; c < 4; c++)
        {
            await os.CreateCubeAsync(Me, $"c{c}");
            await os.AddBatchAsync(Me, $"c{c}", Enumerable.Range(0, 150).Select(i => new MemoryDraft($"cube {c} line {i} remembers the word zebra{c}x{i} and some filler words {i * 7}")).ToList());
        }

        for (int round = 0; round < 2; round++)
        {
            for (int c = 0; c < 4; c++)
            {
                var hit = (await os.SearchAsync(Me, $"c{c}", $"zebra{c}x5"))[0];
                Assert.Contains($"zebra{c}x5 ", hit.Item.Text, StringComparison.Ordinal);
                Assert.True(state.CachedBytes <= state.Options.CacheBytes || state.CachedCubes == 1, $"{state.CachedBytes} bytes in {state.CachedCubes} cubes");
            }
        }

        Assert.True(state.CachedCubes < 4, "the budget evicted nothing");
    }

    [Fact]
    public async Task Above_the_ann_threshold_vector_search_uses_a_spann_index_with_the_same_top_hits()
    {
        var topics = new[] { "tea", "coffee", "hiking", "piano", "garden", "chess", "sailing", "pottery" };
        var drafts = new List<MemoryDraft>();
        for (int i = 0; i < 240; i++)
        {
            string topic = topics[i % topics.Length];
            drafts.Add(new MemoryDraft($"note {i} about {topic} and {topics[(i / 8) % topics.Length]} number{i % 13}") { Session = $"s{i % 5}" });
        }

        await memory.AddBatchAsync(Me, "chat", drafts);
        var (os, exact, ann) = await ExactAndAnnVectorRetrieversAsync();
        using var exactScope = exact;
        using var annScope = ann;
        foreach (string query in new[] { "piano and chess", "coffee number7", "sailing hiking" })
        {
            var want = await os.SearchAsync(Me, "chat", query, k: 5, retrieverName: "vector");
            var got = await os.SearchAsync(Me, "chat", query, k: 5, retrieverName: "vector-ann");
            Assert.True(want.Count > 0, $"no exact hits for '{query}'");
            Assert.Equal(want.Count, got.Count);
            Assert.Equal(want[0].Item.Id, got[0].Item.Id);
            Assert.True(want.Select(h => h.Item.Id).Intersect(got.Select(h => h.Item.Id)).Count() >= 4);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { AnnThreshold = 0 }.Validate());
    }

    // Vector similarity alone, exact ("vector") and through SPANN above 100 vectors ("vector-ann"), the index built and serving.
    private async Task<(MemoryOS Os, HybridRetriever Exact, HybridRetriever Ann)> ExactAndAnnVectorRetrieversAsync()
    {
        var exact = new HybridRetriever(store, new HybridOptions { Name = "vector", ItemWeight = 0, WindowWeight = 0, SessionWeight = 0, ActorWeight = 0, VectorWeight = 1, AnnThreshold = int.MaxValue });
        var ann = new HybridRetriever(store, new HybridOptions { Name = "vector-ann", ItemWeight = 0, WindowWeight = 0, SessionWeight = 0, ActorWeight = 0, VectorWeight = 1, AnnThreshold = 100, AnnCandidates = 50 });
        var os = new MemoryOS(store, [exact, ann]);
        await os.SearchAsync(Me, "chat", "warm up", retrieverName: "vector-ann");
        await ann.State.WaitForIndexesAsync();
        Assert.True(ann.State.ServesThroughAnn(Me.Tenant, (await os.OpenCubeAsync(Me, "chat")).Id));
        return (os, exact, ann);
    }

    [Fact]
    public async Task Above_the_ann_threshold_a_narrow_filter_still_gets_k_vector_hits()
    {
        // The ANN index's candidates were the nearest over the whole cube, filtered afterwards: memories of the session
        // asked for, none of them among the nearest 50, got no vector score and the search answered nothing.
        var drafts = Enumerable.Range(0, 200).Select(i => new MemoryDraft($"piano lesson {i} on the upright piano") { Session = "a" })
            .Concat(Enumerable.Range(0, 20).Select(i => new MemoryDraft($"garden hose {i} near the piano") { Session = "b" })).ToList();
        await memory.AddBatchAsync(Me, "chat", drafts);
        var (os, exact, ann) = await ExactAndAnnVectorRetrieversAsync();
        using var exactScope = exact;
        using var annScope = ann;

        var inB = new SearchOptions { K = 5, Filter = new MemoryFilter { Session = "b" } };
        var want = await os.SearchAsync(Me, "chat", "piano lesson", inB with { Retriever = "vector" });
        var got = await os.SearchAsync(Me, "chat", "piano lesson", inB with { Retriever = "vector-ann" });

        Assert.Equal(5, want.Count);
        Assert.Equal(want.Count, got.Count);
        Assert.All(got, h => Assert.Equal("b", h.Item.Scope.Session));
    }

    [Fact]
    public async Task Greek_in_capitals_meets_the_same_words_in_lower_case()
    {
        // Lower-casing 'Σ' gives the medial 'σ', where lower-case Greek ends a word with 'ς': "ΟΔΟΣ" and "οδος" (street)
        // were two terms, so a headline in capitals was never found by the word typed normally, nor the reverse.
        var ids = await Conversation("s1",
            ("Jon", "Η ΟΔΟΣ ΠΑΤΗΣΙΩΝ ΕΙΝΑΙ ΚΛΕΙΣΤΗ ΣΗΜΕΡΑ."),
            ("Gina", "Ο καιρός είναι καλός για τους φίλους μας."));

        var lower = await memory.SearchAsync(Me, "chat", "οδος", k: 5);
        Assert.Equal(ids[0].Id, lower[0].Item.Id);
        Assert.True(lower[0].Components["bm25_item"] > 0);

        var capitals = await memory.SearchAsync(Me, "chat", "ΤΟΥΣ", k: 5); // "τους" (them), unaccented as capitals are
        Assert.Equal(ids[1].Id, capitals[0].Item.Id);
        Assert.True(capitals[0].Components["bm25_item"] > 0);
    }
}
