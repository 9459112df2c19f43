using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// Persistence: what one store wrote is there for a store opened over the same database after it was closed (a file, a
/// server, or an <see cref="InMemory.InMemoryDatabase"/> for as long as the object lives).
/// </summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Everything_written_survives_closing_the_store_and_opening_a_new_one()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("kept");
        var anchor = await s.AddAsync(cube, "the anchor note");
        var memory = await s.AddAsync(cube, "Alice keeps her bike in the basement", m => m with { Tags = ["bike"], Links = [new MemoryLink(anchor.Id, "related", 0.7, "both Alice's")] });
        memory = await s.ReplaceAsync(memory, m => m with { Text = "Alice keeps her bike in the garage" }, "moved the bike");
        await s.Store.RecordRecallsAsync(s.Tenant, [memory.Id], s.Now.AddDays(1), s.Audit("recall"));
        memory = (await s.Store.GetAsync(s.Tenant, memory.Id))!;
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "e1", [new StoredEmbedding(memory.Id, "h", [0.5f, 0.25f])]);
        long sequence = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);
        var audit = await s.Store.ReadAuditAsync(s.Tenant);
        await s.Store.DisposeAsync();

        var reopened = await s.Backend.OpenAsync();

        Assert.Equal(cube.Id, (await reopened.FindCubeAsync(s.Tenant, "kept"))!.Id);
        StoreScenario.AssertSameMemory(memory, (await reopened.GetAsync(s.Tenant, memory.Id))!);
        var history = await reopened.GetHistoryAsync(s.Tenant, memory.Id);
        Assert.Equal(("Alice keeps her bike in the basement", "moved the bike"), (history[0].Text, history[0].StateReason));
        Assert.Equal(audit.Select(a => (a.Action, a.MemoryId, a.At)), (await reopened.ReadAuditAsync(s.Tenant)).Select(a => (a.Action, a.MemoryId, a.At)));
        Assert.Equal(sequence, await reopened.GetChangeSequenceAsync(s.Tenant, cube.Id));
        Assert.Equal(new[] { 0.5f, 0.25f }, Assert.Single(await reopened.GetEmbeddingsAsync(s.Tenant, cube.Id, "e1", null)).Vector);
        Assert.Equal(memory.Id, Assert.Single(await reopened.SearchLexicalAsync(s.Tenant, new LexicalQuery(["garage"], new MemoryFilter(), 10))).Item.Id);

        // The feed goes on from where it was: a reader that caught up before the restart misses nothing after it.
        var added = await s.AddAsync([s.Item(cube, "written after reopening")], via: reopened);
        var change = Assert.Single(await reopened.ReadChangesAsync(s.Tenant, cube.Id, sequence, 10));
        Assert.Equal(added[0].Id, change.MemoryId);
    }
}
