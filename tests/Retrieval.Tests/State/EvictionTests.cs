using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Lexical;
using AgentMem.Retrieval.State;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Retrieval.Tests.State;

[Collection(HeapMeasuringCollection.Name)]
public sealed class EvictionTests : TempStore
{
    private const int Cubes = 2000;
    private static readonly Scope Me = new("acme", "alice");
    private static readonly string[] Words = ["tea", "coffee", "hiking", "piano", "garden", "chess", "sailing", "pottery", "dog", "museum", "guitar", "marathon"];
    protected override bool Durable => false;

    [Fact]
    public async Task Two_thousand_cubes_searched_under_a_64_MiB_budget_stay_within_it_and_rank_as_without_eviction()
    {
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var random = new Random(5);
        var cubeIds = new string[Cubes];
        for (int c = 0; c < Cubes; c++)
        {
            cubeIds[c] = (await writer.CreateCubeAsync(Me, $"user{c}")).Id;
            await writer.AddBatchAsync(Me, $"user{c}", Enumerable.Range(0, 12).Select(i => new MemoryDraft($"user {c} said {Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]} note{i}") { Session = $"s{i / 4}", Actor = "Ann" }).ToList());
        }

        const long Budget = 64L << 20;
        var queries = Enumerable.Range(0, Cubes).Select(c => $"{Words[c % Words.Length]} note{c % 12}").ToArray();
        var budgeted = new List<(MemoryCore.Identity.MemoryId, double)[]>(Cubes);
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long heapPeak = 0;
        using (var state = new RetrievalState(Store, options: new RetrievalStateOptions { CacheBytes = Budget }))
        {
            var retriever = new HybridRetriever(state);
            for (int c = 0; c < Cubes; c++)
            {
                budgeted.Add([.. (await retriever.SearchAsync(new SearchRequest(Me.Tenant, queries[c], new MemoryFilter { CubeId = cubeIds[c] }, 5))).Select(h => (h.Item.Id, Math.Round(h.Score, 5)))]);
                Assert.True(state.CachedBytes <= Budget, $"{state.CachedBytes:N0} estimated bytes cached after cube {c}");
                if (c % 250 == 249)
                {
                    heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: true) - heapBefore);
                }
            }

            Assert.True(state.CachedCubes < Cubes, "nothing was evicted: the budget was not exercised");
        }

        // Measured, not only estimated: the managed heap held by the cached indexes stays within the budget.
        Assert.True(heapPeak <= Budget, $"heap grew by {heapPeak:N0} bytes");

        using var unbounded = new RetrievalState(Store, options: new RetrievalStateOptions { CacheBytes = 1L << 40 });
        var reference = new HybridRetriever(unbounded);
        for (int c = 0; c < Cubes; c++)
        {
            var want = await reference.SearchAsync(new SearchRequest(Me.Tenant, queries[c], new MemoryFilter { CubeId = cubeIds[c] }, 5));
            Assert.Equal(want.Select(h => (h.Item.Id, Math.Round(h.Score, 5))), budgeted[c]);
        }

        Assert.Equal(Cubes, unbounded.CachedCubes);
    }

    [Fact]
    public async Task A_cube_whose_spann_build_is_running_is_not_evicted_and_one_whose_build_finished_is_evicted_with_it()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var big = await writer.CreateCubeAsync(Me, "big");
        var small = await writer.CreateCubeAsync(Me, "small");
        var random = new Random(29);
        await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 800).Select(i => new MemoryDraft($"{Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]} item{i}")).ToList());
        await writer.AddAsync(Me, "small", new MemoryDraft("Ann likes tea"));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var state = new RetrievalState(Store, options: new RetrievalStateOptions { AnnThreshold = 300, IndexDirectory = indexes, CacheBytes = 1 << 20 }) { AnnBuildGate = gate.Task };
        var retriever = new HybridRetriever(state);
        Task<IReadOnlyList<SearchHit>> Search(string cubeId, string q) => retriever.SearchAsync(new SearchRequest(Me.Tenant, q, new MemoryFilter { CubeId = cubeId }, 5));

        // The big cube's build starts and waits at the gate. Before, the small cube's search evicted the big one, and
        // closing it waited for the whole build (here, for ever), then threw the build away.
        await Search(big.Id, "tea");
        Assert.True(state.CachedBytes > 1 << 20);
        Assert.NotEmpty(await Search(small.Id, "tea"));
        Assert.Equal(2, state.CachedCubes); // over the budget until the build is done

        // Done but not yet taken over (no search of the big cube since): the eviction takes it over and checkpoints it, so
        // the next open serves through it instead of building it again.
        gate.SetResult();
        await await state.WithCubeAsync(Me.Tenant, big.Id, index => index.Vectors.WaitForBuildAsync(), default);
        Assert.NotEmpty(await Search(small.Id, "tea"));
        Assert.Equal(1, state.CachedCubes);
        await Search(big.Id, "tea");
        Assert.True(state.ServesThroughAnn(Me.Tenant, big.Id));
        Assert.Equal(0, state.AnnBuilds(Me.Tenant, big.Id)); // reopened, not built again
    }

    [Fact]
    public async Task A_catch_up_after_another_nodes_change_notice_is_no_search_and_the_least_recently_searched_cube_is_evicted()
    {
        // The watcher caught cubes up as a search would: each notice made its cube the most recently used and spared it
        // the eviction, so a cube this node searched once but others kept writing stayed and the ones it served went.
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cubeIds = new Dictionary<string, string>();
        foreach (string name in new[] { "x", "y", "z" })
        {
            cubeIds[name] = (await writer.CreateCubeAsync(Me, name)).Id;
            await writer.AddBatchAsync(Me, name, Enumerable.Range(0, 100).Select(i => new MemoryDraft($"cube {name} says {Words[i % Words.Length]} note{i}")).ToList());
        }

        long oneCube;
        using (var measuring = new RetrievalState(Store, options: new RetrievalStateOptions { CacheBytes = 1L << 40 }))
        {
            await measuring.PrepareAsync(Me.Tenant, cubeIds["x"]);
            oneCube = measuring.CachedBytes;
        }

        Assert.True(oneCube * 5 / 2 >= 1 << 20, $"{oneCube} bytes a cube: too small for the least budget"); // two of the three
        using var state = new RetrievalState(Store, options: new RetrievalStateOptions { CacheBytes = oneCube * 5 / 2 });
        var retriever = new HybridRetriever(state);
        Task<IReadOnlyList<SearchHit>> Search(string name) => retriever.SearchAsync(new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cubeIds[name] }, 5));
        await Search("x");
        await Search("y");
        Assert.Equal(2, state.CachedCubes);

        // Another node writes to x, and its notice has this node catch x up in the background, as ChangeWatcher does.
        await writer.AddAsync(Me, "x", new MemoryDraft("cube x learns about chess"));
        Assert.True(await state.CatchUpHeldAsync(Me.Tenant, cubeIds["x"]));
        Assert.Equal(await Store.GetChangeSequenceAsync(Me.Tenant, cubeIds["x"]), state.AppliedSequence(Me.Tenant, cubeIds["x"]));

        await Search("z");
        Assert.Null(state.AppliedSequence(Me.Tenant, cubeIds["x"])); // searched least recently: evicted
        Assert.NotNull(state.AppliedSequence(Me.Tenant, cubeIds["y"]));
        Assert.NotNull(state.AppliedSequence(Me.Tenant, cubeIds["z"]));

        // A notice for a cube this node does not hold (evicted meanwhile) loads nothing: its next search will.
        await writer.AddAsync(Me, "x", new MemoryDraft("cube x learns about sailing"));
        Assert.False(await state.CatchUpHeldAsync(Me.Tenant, cubeIds["x"]));
        Assert.Null(state.AppliedSequence(Me.Tenant, cubeIds["x"]));
        Assert.Equal(2, state.CachedCubes);
    }
}
