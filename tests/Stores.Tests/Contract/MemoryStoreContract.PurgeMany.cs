using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Purging many memories at once (forgetting a user): all of each goes, others stay, one audit line.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task A_purge_runs_its_clean_up_before_and_after_its_commit_and_none_of_it_when_refused()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var a = await s.AddAsync(notes, "forgotten note about otters");
        var held = await s.AddAsync(notes, "held note about otters");
        held = await s.ReplaceAsync(held, m => m with { State = LifecycleState.Frozen }, "legal hold");
        var steps = new List<string>();
        var cleanUp = new PurgeCleanUp(ids => steps.Add($"before: {string.Join(",", ids.Order())}"), n => steps.Add($"after: {n}"));

        await Assert.ThrowsAsync<MemoryFrozenException>(() => s.Store.PurgeManyAsync(s.Tenant, [a.Id, held.Id], s.Audit("purge"), [a.Id, held.Id], cleanUp));
        Assert.Empty(steps); // refused: nothing of the clean-up ran, and the memories stay
        Assert.NotNull(await s.Store.GetAsync(s.Tenant, a.Id));

        Assert.Equal(1, await s.Store.PurgeManyAsync(s.Tenant, [a.Id, MemoryId.NewId(s.Now)], s.Audit("purge"), [a.Id], cleanUp));
        Assert.Equal(2, steps.Count);
        Assert.Equal([$"before: {a.Id}", "after: 1"], steps[^2..]);

        var doomed = await s.CreateCubeAsync("doomed");
        await s.AddAsync(doomed, "a memory of the doomed cube");
        steps.Clear();
        Assert.Equal(1, await s.Store.DeleteCubeAsync(s.Tenant, doomed.Id, s.Audit("cube.delete"), cleanUp));
        Assert.Equal(["before: ", "after: 1"], steps);
        steps.Clear();
        Assert.Null(await s.Store.DeleteCubeAsync(s.Tenant, doomed.Id, s.Audit("cube.delete"), cleanUp));
        Assert.Empty(steps); // no cube: nothing to clean up
    }

    [SkippableFact]
    public async Task Purging_many_removes_each_memory_with_its_versions_links_and_embeddings_under_one_audit_line()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var diary = await s.CreateCubeAsync("diary");
        var kept = await s.AddAsync(notes, "kept note about otters");
        var a = await s.AddAsync(notes, "forgotten note about otters", m => m with { Tags = ["pets"] });
        a = await s.ReplaceAsync(a, m => m with { Text = "forgotten note about otters, edited" });
        var b = await s.AddAsync(diary, "forgotten diary entry");
        kept = await s.ReplaceAsync(kept, m => m with { Links = [new MemoryLink(a.Id, "related")] });
        await s.Store.PutEmbeddingsAsync(s.Tenant, notes.Id, "m1", [new StoredEmbedding(a.Id, "ha", [1f, 0f]), new StoredEmbedding(kept.Id, "hk", [0f, 1f])]);
        int auditBefore = (await s.Store.ReadAuditAsync(s.Tenant)).Count;

        Assert.Equal(2, await s.Store.PurgeManyAsync(s.Tenant, [a.Id, b.Id, a.Id, MemoryId.NewId(s.Now)], s.Audit("user.forget", detail: "2 written")));

        Assert.Null(await s.Store.GetAsync(s.Tenant, a.Id));
        Assert.Null(await s.Store.GetAsync(s.Tenant, b.Id));
        Assert.Empty(await s.Store.GetHistoryAsync(s.Tenant, a.Id));
        Assert.Equal([kept.Id], (await s.Store.GetEmbeddingsAsync(s.Tenant, notes.Id, "m1", null)).Select(e => e.MemoryId));
        var lexical = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["otters"], StoreScenario.AllStates(), 10));
        Assert.Equal([kept.Id], lexical.Select(m => m.Item.Id));
        Assert.Empty((await s.Store.GetAsync(s.Tenant, kept.Id))!.Links);
        var trail = await s.Store.ReadAuditAsync(s.Tenant);
        Assert.Equal(auditBefore + 1, trail.Count);
        Assert.Equal(("user.forget", "2 written"), (trail[^1].Action, trail[^1].Detail));
        Assert.Equal(0, await s.Store.PurgeManyAsync(s.Tenant, [a.Id], s.Audit("user.forget")));
    }

    [SkippableFact]
    public async Task A_purge_guarded_against_frozen_memories_purges_nothing_when_one_of_them_is_frozen()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var held = s.Item(cube, "under legal hold");
        var free = s.Item(cube, "nothing holds this one");
        await s.AddAsync([held, free]);
        await s.ReplaceAsync((await s.Store.GetAsync(s.Tenant, held.Id))!, m => m with { State = LifecycleState.Frozen }, "legal hold");

        var ex = await Assert.ThrowsAsync<MemoryFrozenException>(() => s.Store.PurgeManyAsync(s.Tenant, [held.Id, free.Id], s.Audit("purge"), unlessFrozen: [held.Id, free.Id]));
        Assert.Contains(held.Id.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.NotNull(await s.Store.GetAsync(s.Tenant, free.Id));
        Assert.DoesNotContain(await s.Store.ReadAuditAsync(s.Tenant), r => r.Action == "purge");

        // Unguarded (forgetting a user, or what was derived from a purged memory), a frozen memory goes too.
        Assert.Equal(2, await s.Store.PurgeManyAsync(s.Tenant, [held.Id, free.Id], s.Audit("purge"), unlessFrozen: [free.Id]));
    }
}
