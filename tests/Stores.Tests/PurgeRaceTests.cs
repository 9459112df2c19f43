using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.InMemory;

namespace AgentMem.Stores.Tests;

/// <summary>
/// A legal hold set while a purge is under way holds: the facade reads the states before the store's transaction, so the
/// store checks them again inside it (a freeze landing in between, as another node or request would make it).
/// </summary>
public sealed class PurgeRaceTests
{
    private static readonly Scope Alice = new("acme", "alice");

    [Fact]
    public async Task A_memory_frozen_after_the_purge_read_it_is_not_purged()
    {
        var inner = new InMemoryMemoryStore();
        await using var admin = new MemoryOS(inner, new Bm25Retriever(inner));
        await admin.CreateCubeAsync(Alice, "notes");
        var held = await admin.AddAsync(Alice, "notes", new MemoryDraft("the contract was signed on 3 May"));

        await using var racing = new MemoryOS(FreezeBeforePurge(inner, admin, held.Id), new Bm25Retriever(inner));
        var ex = await Assert.ThrowsAsync<MemoryFrozenException>(() => racing.PurgeAsync(Alice, held.Id));
        Assert.Contains($"Memory {held.Id} was frozen before it could be purged", ex.Message, StringComparison.Ordinal);
        Assert.Equal(LifecycleState.Frozen, (await admin.GetAsync(Alice, held.Id)).State);
    }

    [Fact]
    public async Task A_sweep_skips_a_memory_frozen_while_it_ran_and_purges_the_rest()
    {
        var inner = new InMemoryMemoryStore();
        await using var admin = new MemoryOS(inner, new Bm25Retriever(inner));
        await admin.CreateCubeAsync(Alice, "notes");
        var held = await admin.AddAsync(Alice, "notes", new MemoryDraft("the contract was signed on 3 May"));
        var other = await admin.AddAsync(Alice, "notes", new MemoryDraft("lunch was at noon"));

        await using var racing = new MemoryOS(FreezeBeforePurge(inner, admin, held.Id), new Bm25Retriever(inner));
        var (purged, skipped) = await racing.PurgeManyAsync(Alice, [held.Id, other.Id], "ttl");

        Assert.Equal([other.Id], purged);
        Assert.Equal([held.Id], skipped);
        Assert.Equal(LifecycleState.Frozen, (await admin.GetAsync(Alice, held.Id)).State);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => admin.GetAsync(Alice, other.Id));
    }

    // The store as a purge meets it when a legal hold lands between the facade's read and the store's transaction: the
    // first purge call freezes the memory first (through another facade over the same store), then goes ahead.
    private static IMemoryStore FreezeBeforePurge(IMemoryStore inner, MemoryOS admin, MemoryId held)
    {
        bool frozen = false;
        return InterceptedStore.Over(inner, (method, _) =>
        {
            if (method == nameof(IMemoryStore.PurgeManyAsync) && !frozen)
            {
                frozen = true;
                admin.SetStateAsync(Alice, held, LifecycleState.Frozen, "legal hold").GetAwaiter().GetResult();
            }

            return null;
        });
    }
}
