using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Versions: replace, history oldest first, optimistic concurrency, supersede chains.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Replace_writes_the_next_version_and_history_keeps_every_earlier_one_oldest_first()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var first = await s.AddAsync(cube, "the first note");
        var v1 = await s.AddAsync(cube, "Alice lives in Berlin", m => m with { Tags = ["home"], Links = [new MemoryLink(first.Id, "related")] });
        s.Now = s.Now.AddDays(1);
        var v2 = await s.ReplaceAsync(v1, m => m with { Text = "Alice lives in Munich" }, "she moved");
        s.Now = s.Now.AddDays(1);
        var v3 = await s.ReplaceAsync(v2, m => m with { Tags = ["city"], Links = [new MemoryLink(first.Id, "contradicts", 0.4, "older claim")] });

        Assert.Equal(("Alice lives in Munich", 3, LifecycleState.Active, s.Now), (v3.Text, v3.Version, v3.State, v3.UpdatedAt));
        Assert.Equal(["city"], v3.Tags);
        Assert.Equal([new MemoryLink(first.Id, "contradicts", 0.4, "older claim")], v3.Links);

        var history = await s.Store.GetHistoryAsync(s.Tenant, v1.Id);
        Assert.Equal([1, 2, 3], history.Select(h => h.Version));
        Assert.Equal(("Alice lives in Berlin", LifecycleState.Superseded, "she moved"), (history[0].Text, history[0].State, history[0].StateReason));
        Assert.Equal(["home"], history[0].Tags);
        Assert.Equal([new MemoryLink(first.Id, "related")], history[0].Links);
        Assert.Equal(("Alice lives in Munich", LifecycleState.Superseded), (history[1].Text, history[1].State));
        StoreScenario.AssertSameMemory(v3, history[2]);
        Assert.Empty(await s.Store.GetHistoryAsync(s.Tenant, MemoryId.NewId()));
    }

    [SkippableFact]
    public async Task A_page_of_history_holds_the_versions_after_the_one_given_oldest_first_at_most_the_limit()
    {
        // The REST history endpoint read every version (each a full copy of the memory) to answer a page of one.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var latest = await s.AddAsync(cube, "version 1");
        for (int v = 2; v <= 5; v++)
        {
            latest = await s.ReplaceAsync(latest, m => m with { Text = $"version {v}" });
        }

        Assert.Equal(["version 1", "version 2"], (await s.Store.GetHistoryAsync(s.Tenant, latest.Id, afterVersion: 0, limit: 2)).Select(h => h.Text));
        Assert.Equal([3, 4], (await s.Store.GetHistoryAsync(s.Tenant, latest.Id, afterVersion: 2, limit: 2)).Select(h => h.Version));
        var end = await s.Store.GetHistoryAsync(s.Tenant, latest.Id, afterVersion: 3, limit: 10);
        Assert.Equal([4, 5], end.Select(h => h.Version));
        Assert.Equal(LifecycleState.Superseded, end[0].State);
        StoreScenario.AssertSameMemory(latest, end[1]);
        StoreScenario.AssertSameMemory(latest, Assert.Single(await s.Store.GetHistoryAsync(s.Tenant, latest.Id, afterVersion: 4, limit: 1)));
        Assert.Empty(await s.Store.GetHistoryAsync(s.Tenant, latest.Id, afterVersion: 5, limit: 10));
        Assert.Empty(await s.Store.GetHistoryAsync(s.Tenant, latest.Id, afterVersion: long.MaxValue, limit: 10));
        Assert.Empty(await s.Store.GetHistoryAsync(s.Tenant, MemoryId.NewId(), afterVersion: 0, limit: 10));
        Assert.Empty(await s.Store.GetHistoryAsync("another-tenant", latest.Id, afterVersion: 0, limit: 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => s.Store.GetHistoryAsync(s.Tenant, latest.Id, afterVersion: 0, limit: 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => s.Store.GetHistoryAsync(s.Tenant, latest.Id, afterVersion: -1, limit: 1));
    }

    [SkippableFact]
    public async Task A_replace_of_a_stale_version_is_refused_and_changes_nothing()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var v1 = await s.AddAsync(cube, "the meeting is on Monday");
        var (staleSuperseded, staleNext) = s.NextVersion(v1, m => m with { Text = "the meeting is on Friday" });
        var v2 = await s.ReplaceAsync(v1, m => m with { Text = "the meeting is on Tuesday" });
        long sequence = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);

        await Assert.ThrowsAsync<MemoryVersionConflictException>(() => s.Store.ReplaceAsync(s.Tenant, staleSuperseded, staleNext, s.Audit("update", cube.Id, v1.Id, 2)));
        var unknown = MemoryId.NewId();
        await Assert.ThrowsAsync<MemoryVersionConflictException>(() => s.Store.ReplaceAsync(s.Tenant, staleSuperseded with { Id = unknown }, staleNext with { Id = unknown }, s.Audit("update")));

        StoreScenario.AssertSameMemory(v2, (await s.Store.GetAsync(s.Tenant, v1.Id))!);
        Assert.Equal(2, (await s.Store.GetHistoryAsync(s.Tenant, v1.Id)).Count);
        Assert.Equal(["add", "update"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = v1.Id })).Select(a => a.Action));
        Assert.Equal(sequence, await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id));
    }

    [SkippableFact]
    public async Task A_next_version_must_keep_the_id_and_follow_the_version_number()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var v1 = await s.AddAsync(cube, "version one");
        var (superseded, next) = s.NextVersion(v1, m => m with { Text = "version two" });

        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Store.ReplaceAsync(s.Tenant, superseded, next with { Version = 3 }, s.Audit("update")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Store.ReplaceAsync(s.Tenant, superseded, next with { Id = MemoryId.NewId() }, s.Audit("update")));
        Assert.Equal(1, (await s.Store.GetAsync(s.Tenant, v1.Id))!.Version);
    }

    [SkippableFact]
    public async Task A_new_version_cannot_move_a_memory_to_another_cube_owner_or_source()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var other = await s.CreateCubeAsync("other");
        var v1 = await s.AddAsync(notes, "Alice's salary is confidential", m => m with { Provenance = m.Provenance with { Actor = "Alice" } });

        var v2 = await s.ReplaceAsync(v1, m => m with
        {
            Text = "Alice's salary is public",
            CubeId = other.Id,
            Scope = new Scope(s.Tenant, "mallory", "intruder", "s9"),
            Kind = MemoryKind.Activation,
            Payload = new PayloadRef("file:///x", "application/x", 1, new string('c', 64)),
            Provenance = new Provenance(SourceKind.Tool, "forged", "Mallory", s.Now.AddDays(5)),
        });

        Assert.Equal("Alice's salary is public", v2.Text);
        Assert.Equal((notes.Id, v1.Scope, v1.Kind, v1.Provenance), (v2.CubeId, v2.Scope, v2.Kind, v2.Provenance));
        Assert.Empty(await s.Store.ListAsync(s.Tenant, StoreScenario.AllStates(other.Id), 10));
    }

    [SkippableFact]
    public async Task A_superseded_fact_links_to_its_successor_and_leaves_default_reads()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("facts");
        var paris = await s.AddAsync(cube, "Ann lives in Paris");
        s.Now = s.Now.AddDays(10);
        var berlin = await s.AddAsync(cube, "Ann lives in Berlin");
        var successor = new MemoryLink(berlin.Id, "superseded_by", 1.0, "newer fact");

        var old = await s.ReplaceAsync(paris, m => m with { State = LifecycleState.Superseded, StateReason = "moved", ValidTo = s.Now, Links = [.. m.Links, successor] }, "moved", "supersede");

        Assert.Equal((LifecycleState.Superseded, "moved", s.Now), (old.State, old.StateReason, old.ValidTo!.Value));
        Assert.Equal([successor], old.Links);
        Assert.Equal([berlin.Id], (await s.Store.ListAsync(s.Tenant, new MemoryFilter { CubeId = cube.Id }, 10)).Select(m => m.Id));
        Assert.Equal([paris.Id], (await s.Store.ListAsync(s.Tenant, new MemoryFilter { States = [LifecycleState.Superseded] }, 10)).Select(m => m.Id));
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["paris"], new MemoryFilter { CubeId = cube.Id }, 10)));
        Assert.Equal(paris.Id, Assert.Single(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["paris"], new MemoryFilter { States = [LifecycleState.Superseded] }, 10))).Item.Id);
        Assert.Equal([LifecycleState.Superseded, LifecycleState.Superseded], (await s.Store.GetHistoryAsync(s.Tenant, paris.Id)).Select(v => v.State));
    }
}
