using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Stores.Tests;

/// <summary>SQLite binds one parameter per listed id: reads of more rows than a statement binds go in lists of bounded length.</summary>
public sealed class SqliteLargePageTests : IAsyncDisposable
{
    private readonly TestDatabase db = new();

    public ValueTask DisposeAsync() => db.DisposeAsync();

    [Fact]
    public async Task A_page_of_more_memories_than_a_statement_binds_comes_back_with_its_links()
    {
        // The links of a page were read with one parameter per memory: 33,000 failed with "too many SQL variables".
        var store = db.OpenStore();
        await using var memory = new MemoryOS(store, new Bm25Retriever(store));
        var cube = await memory.CreateCubeAsync(TestDatabase.Alice, "big", policy: new MemoryCore.Cubes.CubePolicy { Deduplicate = false });
        var target = await memory.AddAsync(TestDatabase.Alice, "big", new MemoryDraft("the target"));
        var drafts = Enumerable.Range(0, 33_000).Select(i => new MemoryDraft($"memory {i}") { Links = i % 1000 == 0 ? [new MemoryLink(target.Id, "related")] : [] }).ToList();
        await memory.AddBatchAsync(TestDatabase.Alice, "big", drafts);

        var page = await store.ListAsync(TestDatabase.Alice.Tenant, new MemoryFilter { CubeId = cube.Id }, 40_000);
        Assert.Equal(33_001, page.Count);
        Assert.Equal(33, page.Count(m => m.Links.Any(l => l.Target == target.Id)));
    }
}
