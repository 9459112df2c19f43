using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.Common;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// Deleting a cube: everything kept for it goes, other cubes and tenants keep theirs, one audit line outlives it, and what
/// the rest of the tenant says of its memories is scrubbed as a purge of them would scrub it.
/// </summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Deleting_a_cube_removes_its_memories_versions_links_embeddings_and_change_feed_and_nothing_else()
    {
        await using var s = await StartAsync();
        var doomed = await s.CreateCubeAsync("doomed");
        var kept = await s.CreateCubeAsync("kept");
        var x = await s.AddAsync(kept, "kept note about otters");
        var a = await s.AddAsync(doomed, "doomed note about otters", m => m with { Tags = ["pets"], Links = [new MemoryLink(x.Id, "related")] });
        var b = await s.AddAsync(doomed, "second doomed note");
        b = await s.ReplaceAsync(b, m => m with { Text = "second doomed note, edited" });
        x = await s.ReplaceAsync(x, m => m with { Links = [new MemoryLink(a.Id, "related")] });
        await s.Store.RecordRecallsAsync(s.Tenant, [a.Id], s.Now.AddHours(1), s.Audit("recall"));
        await s.Store.PutEmbeddingsAsync(s.Tenant, doomed.Id, "m1", [new StoredEmbedding(a.Id, "ha", [1f, 0f]), new StoredEmbedding(b.Id, "hb", [0f, 1f])]);
        await s.Store.PutEmbeddingsAsync(s.Tenant, kept.Id, "m1", [new StoredEmbedding(x.Id, "hx", [1f, 1f])]);
        int auditBefore = (await s.Store.ReadAuditAsync(s.Tenant)).Count;

        Assert.Equal(2, await s.Store.DeleteCubeAsync(s.Tenant, doomed.Id, s.Audit("cube.delete", doomed.Id, detail: "doomed")));

        Assert.Null(await s.Store.FindCubeAsync(s.Tenant, doomed.Id));
        Assert.Null(await s.Store.FindCubeAsync(s.Tenant, "doomed"));
        Assert.Equal(["kept"], (await s.Store.ListCubesAsync(s.Tenant)).Select(c => c.Name));
        Assert.Null(await s.Store.GetAsync(s.Tenant, a.Id));
        Assert.Empty(await s.Store.GetHistoryAsync(s.Tenant, b.Id));
        Assert.Empty(await s.Store.ListAsync(s.Tenant, StoreScenario.AllStates(doomed.Id), 100));
        Assert.Empty(await s.Store.GetEmbeddingsAsync(s.Tenant, doomed.Id, "m1", null));
        // The feed keeps one purge record per memory, so another process's index learns they are gone.
        var feed = await s.Store.ReadChangesAsync(s.Tenant, doomed.Id, 0, 100);
        Assert.All(feed, c => Assert.True(c.Purged));
        Assert.Equal(new[] { a.Id, b.Id }.Select(id => id.ToString()).Order(), feed.Select(c => c.MemoryId.ToString()).Order());
        var lexical = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["otters"], StoreScenario.AllStates(), 10));
        Assert.Equal([x.Id], lexical.Select(m => m.Item.Id));

        // The other cube keeps its memory and vector, but not its link into the deleted cube.
        var survivor = await s.Store.GetAsync(s.Tenant, x.Id);
        Assert.NotNull(survivor);
        Assert.Empty(survivor.Links);
        Assert.Single(await s.Store.GetEmbeddingsAsync(s.Tenant, kept.Id, "m1", null));
        Assert.Equal(1, (await s.Store.GetStatsAsync(s.Tenant, null)).Cubes);

        // The audit trail is append-only: every earlier line stays, and the delete adds one.
        var audit = await s.Store.ReadAuditAsync(s.Tenant);
        Assert.Equal(auditBefore + 1, audit.Count);
        Assert.Equal(("cube.delete", doomed.Id, "doomed"), (audit[^1].Action, audit[^1].CubeId, audit[^1].Detail));

        // Deleting again finds nothing and writes nothing; the name is free again.
        Assert.Null(await s.Store.DeleteCubeAsync(s.Tenant, doomed.Id, s.Audit("cube.delete", doomed.Id)));
        Assert.Equal(auditBefore + 1, (await s.Store.ReadAuditAsync(s.Tenant)).Count);
        var again = await s.CreateCubeAsync("doomed");
        Assert.Empty(await s.Store.ListAsync(s.Tenant, StoreScenario.AllStates(again.Id), 100));
    }

    [SkippableFact]
    public async Task Deleting_a_cube_strips_its_memories_from_other_cubes_snapshots_and_redacts_reasons_and_audit_details_naming_them()
    {
        const string Word = "wombatledger";
        await using var s = await StartAsync();
        var doomed = await s.CreateCubeAsync("doomed");
        var kept = await s.CreateCubeAsync("kept");
        var secret = await s.AddAsync(doomed, $"the {Word} code is 5521");
        secret = await s.ReplaceAsync(secret, m => m with { Text = $"the {Word} code is 5522" }, reason: $"fixed the {Word} digit");
        var plain = await s.AddAsync(kept, "an unrelated note");
        var neighbour = await s.AddAsync(kept, "a neighbour note");
        neighbour = await s.ReplaceAsync(
            neighbour,
            m => m with { Links = [new MemoryLink(secret.Id, "related", 0.8, $"shares {Word}"), new MemoryLink(plain.Id, "related", 0.5, "shares note")] },
            reason: $"evolved: linked from {secret.Id} (related; shares {Word})");
        neighbour = await s.ReplaceAsync(neighbour, m => m with { Importance = 0.9 }, reason: "reweighed");
        var current = await s.AddAsync(kept, "a note whose current reason names the secret");
        current = await s.SetStateAsync(current, LifecycleState.Archived, $"superseded by {secret.Id}");
        int auditBefore = (await s.Store.ReadAuditAsync(s.Tenant)).Count;

        Assert.Equal(1, await s.Store.DeleteCubeAsync(s.Tenant, doomed.Id, s.Audit("cube.delete", doomed.Id, detail: "requested")));

        var history = await s.Store.GetHistoryAsync(s.Tenant, neighbour.Id);
        Assert.Equal(3, history.Count);
        Assert.All(history, v => Assert.DoesNotContain(v.Links, l => l.Target == secret.Id));
        Assert.Equal(PurgedReferences.RedactedReason, history[0].StateReason);
        Assert.Equal([plain.Id], history[1].Links.Select(l => l.Target));
        Assert.Equal(("shares note", "reweighed"), (history[1].Links[0].Reason, history[1].StateReason));
        Assert.Equal([plain.Id], history[2].Links.Select(l => l.Target));
        Assert.Equal(PurgedReferences.RedactedReason, (await s.Store.GetAsync(s.Tenant, current.Id))!.StateReason);
        Assert.Equal("an unrelated note", (await s.Store.GetAsync(s.Tenant, plain.Id))!.Text);

        var trail = await s.Store.ReadAuditAsync(s.Tenant);
        Assert.Equal(auditBefore + 1, trail.Count);
        Assert.DoesNotContain(trail, a => (a.Detail ?? string.Empty).Contains(Word, StringComparison.Ordinal));
        Assert.DoesNotContain(trail, a => (a.Detail ?? string.Empty).Contains(secret.Id.ToString(), StringComparison.Ordinal));
        Assert.All(trail.Where(a => a.MemoryId == secret.Id.ToString()), a => Assert.True(a.Detail is null or AuditRecord.RedactedDetail, a.Detail));
        Assert.Contains(trail, a => a.MemoryId == neighbour.Id.ToString() && a.Detail == "reweighed");
        Assert.Equal(("cube.delete", "requested"), (trail[^1].Action, trail[^1].Detail));
    }

    [SkippableFact]
    public async Task Deleting_a_cube_is_confined_to_the_tenant_named()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var note = await s.AddAsync(cube, "stays");
        string intruder = StoreScenario.NewTenant();

        Assert.Null(await s.Store.DeleteCubeAsync(intruder, cube.Id, s.Audit("cube.delete", cube.Id, tenant: intruder)));

        Assert.NotNull(await s.Store.FindCubeAsync(s.Tenant, cube.Id));
        Assert.NotNull(await s.Store.GetAsync(s.Tenant, note.Id));
        Assert.Empty(await s.Store.ReadAuditAsync(intruder));
    }
}
