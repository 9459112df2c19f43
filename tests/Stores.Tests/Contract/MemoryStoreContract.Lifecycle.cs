using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Lifecycle states in filters, soft delete (a tombstone version) and purge (gone from every read path).</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Lists_see_the_states_they_ask_for_and_live_memories_by_default()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var active = await s.AddAsync(cube, "active note");
        var archived = await s.SetStateAsync(await s.AddAsync(cube, "archived note"), LifecycleState.Archived, "faded");
        var frozen = await s.SetStateAsync(await s.AddAsync(cube, "frozen note"), LifecycleState.Frozen, "legal hold");
        var deleted = await s.SetStateAsync(await s.AddAsync(cube, "deleted note"), LifecycleState.Deleted, "wrong");
        var superseded = await s.SetStateAsync(await s.AddAsync(cube, "superseded note"), LifecycleState.Superseded, "replaced");

        async Task<IEnumerable<MemoryId>> Ids(params LifecycleState[] states) =>
            (await s.Store.ListAsync(s.Tenant, new MemoryFilter { CubeId = cube.Id, States = states }, 100)).Select(m => m.Id);

        Assert.Equal([active.Id, frozen.Id], (await s.Store.ListAsync(s.Tenant, new MemoryFilter { CubeId = cube.Id }, 100)).Select(m => m.Id));
        Assert.Equal([archived.Id], await Ids(LifecycleState.Archived));
        Assert.Equal([frozen.Id], await Ids(LifecycleState.Frozen));
        Assert.Equal([deleted.Id], await Ids(LifecycleState.Deleted));
        Assert.Equal([superseded.Id], await Ids(LifecycleState.Superseded));
        Assert.Equal([active.Id, archived.Id, deleted.Id], await Ids(LifecycleState.Deleted, LifecycleState.Active, LifecycleState.Archived));

        // An empty state list filters nothing (as the SQLite store has always read it).
        Assert.Equal(5, (await Ids()).Count());
    }

    [SkippableFact]
    public async Task A_soft_deleted_memory_is_a_tombstone_version_that_default_reads_skip()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var memory = await s.AddAsync(cube, "The wifi password is hunter2");

        var tombstone = await s.SetStateAsync(memory, LifecycleState.Deleted, "secret");

        Assert.Equal((LifecycleState.Deleted, "secret", 2, "The wifi password is hunter2"), (tombstone.State, tombstone.StateReason, tombstone.Version, tombstone.Text));
        Assert.Empty(await s.Store.ListAsync(s.Tenant, new MemoryFilter { CubeId = cube.Id }, 10));
        Assert.Equal(memory.Id, Assert.Single(await s.Store.ListAsync(s.Tenant, new MemoryFilter { States = [LifecycleState.Deleted] }, 10)).Id);
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["wifi"], new MemoryFilter(), 10)));
        Assert.Single(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["wifi"], new MemoryFilter { States = [LifecycleState.Deleted] }, 10)));
        Assert.Equal(2, (await s.Store.GetHistoryAsync(s.Tenant, memory.Id)).Count);
        Assert.Equal(1, (await s.Store.GetStatsAsync(s.Tenant, cube.Id)).ByState.GetValueOrDefault(LifecycleState.Deleted));
    }

    [SkippableFact]
    public async Task Purge_removes_a_memory_from_every_read_path_and_a_second_purge_finds_nothing()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var doomed = await s.AddAsync(cube, "zanzibar holiday plans", m => m with { Tags = ["travel"] });
        var other = await s.AddAsync(cube, "links to the holiday", m => m with { Links = [new MemoryLink(doomed.Id, "related", 0.5, "same trip")] });
        doomed = await s.ReplaceAsync(doomed, m => m with { Text = "zanzibar holiday plans, booked", Links = [new MemoryLink(other.Id, "related")] });
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "e1", [new StoredEmbedding(doomed.Id, "h", [1f, 0f]), new StoredEmbedding(other.Id, "h", [0f, 1f])]);
        long before = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);
        int auditLines = (await s.Store.ReadAuditAsync(s.Tenant)).Count;

        Assert.True(await s.PurgeAsync(doomed));

        Assert.Null(await s.Store.GetAsync(s.Tenant, doomed.Id));
        Assert.Equal([other.Id], (await s.Store.GetManyAsync(s.Tenant, [doomed.Id, other.Id])).Select(m => m.Id));
        Assert.Equal([other.Id], (await s.ListAllAsync(cube.Id)).Select(m => m.Id));
        Assert.Empty(await s.Store.GetHistoryAsync(s.Tenant, doomed.Id));
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["zanzibar"], StoreScenario.AllStates(), 10)));
        Assert.Empty(await s.Store.ListAsync(s.Tenant, new MemoryFilter { AnyTags = ["travel"], States = Enum.GetValues<LifecycleState>() }, 10));
        Assert.Equal([other.Id], (await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "e1", null)).Select(e => e.MemoryId));
        Assert.Empty(await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "e1", [doomed.Id]));
        Assert.Equal(0, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, cube.Id, "e1", Enum.GetValues<LifecycleState>()));
        Assert.Empty((await s.Store.GetAsync(s.Tenant, other.Id))!.Links); // links leave in both directions

        var stats = await s.Store.GetStatsAsync(s.Tenant, cube.Id);
        Assert.Equal((1L, 0L), (stats.ByState.Values.Sum(), stats.SupersededVersions));
        var change = Assert.Single(await s.Store.ReadChangesAsync(s.Tenant, cube.Id, before, 10));
        Assert.Equal((doomed.Id, true, cube.Id), (change.MemoryId, change.Purged, change.CubeId));

        // The audit trail keeps that the memory existed and was purged.
        Assert.Equal(["add", "update", "purge"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = doomed.Id })).Select(a => a.Action));

        Assert.False(await s.PurgeAsync(doomed));
        Assert.Equal(auditLines + 1, (await s.Store.ReadAuditAsync(s.Tenant)).Count);
        Assert.Equal(change.Sequence, await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id));

        // An embedding that arrives after the purge (a slow background embedder) is dropped.
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "e1", [new StoredEmbedding(doomed.Id, "h", [1f, 0f])]);
        Assert.Empty(await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "e1", [doomed.Id]));
    }
}
