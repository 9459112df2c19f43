using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>The facade over the PostgreSQL store: the lifecycle a user sees, end to end.</summary>
public sealed class PostgresMemoryOSTests
{
    [SkippableFact]
    public async Task The_memory_lifecycle_works_through_the_facade()
    {
        var store = await PostgresTestServer.OpenAsync();
        await using var memory = new MemoryOS(store, new Bm25Retriever(store));
        var alice = new Scope(PostgresTestServer.NewTenant(), "alice");
        await memory.CreateCubeAsync(alice, "notes");

        var added = await memory.AddAsync(alice, "notes", new MemoryDraft("Alice lives in Berlin") { Tags = ["home"] });
        Assert.False((await memory.AddAsync(alice, "notes", new MemoryDraft("Alice lives in Berlin"))).Created);
        await memory.UpdateAsync(alice, added.Id, new MemoryChange { Text = "Alice lives in Munich", Reason = "she moved" });
        Assert.Empty(await memory.SearchAsync(alice, "notes", "Berlin"));
        Assert.Equal(added.Id, Assert.Single(await memory.SearchAsync(alice, "notes", "living in munich")).Item.Id);

        var history = await memory.GetHistoryAsync(alice, added.Id);
        Assert.Equal(["Alice lives in Berlin", "Alice lives in Munich"], history.Select(h => h.Text));
        Assert.Equal("she moved", history[0].StateReason);

        await memory.SetStateAsync(alice, added.Id, LifecycleState.Frozen);
        await Assert.ThrowsAsync<MemoryFrozenException>(() => memory.UpdateAsync(alice, added.Id, new MemoryChange { Text = "x" }));
        await memory.SetStateAsync(alice, added.Id, LifecycleState.Active);
        await memory.DeleteAsync(alice, added.Id);
        Assert.Empty(await memory.SearchAsync(alice, "notes", "Munich"));
        await memory.PurgeAsync(alice, added.Id);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(alice, added.Id));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(new Scope(PostgresTestServer.NewTenant()), added.Id));
        Assert.Contains("purge", (await memory.GetAuditAsync(alice)).Select(a => a.Action));
    }
}
