using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Recalls reinforce live memories in place: strength, last-recalled time and count, no new version.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task A_recall_reinforces_in_place_with_an_audit_line_and_counts_duplicates_once()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var memory = await s.AddAsync(cube, "Alice's locker code is 4711", m => m with { Importance = 0.5 });

        var firstAt = s.Now.AddDays(1);
        var first = Assert.Single(await s.Store.RecordRecallsAsync(s.Tenant, [memory.Id, memory.Id, MemoryId.NewId()], firstAt, s.Audit("recall", detail: "search")));
        Assert.Equal((memory.Id, 1, firstAt), (first.Id, first.RecallCount, first.LastRecalledAt));
        Assert.Equal(ForgettingCurve.Reinforce(1.0, 0.5, 1.0), first.Strength, 9);

        // The next recall is measured from the last one, not from when the memory was recorded.
        var secondAt = firstAt.AddHours(1);
        var second = Assert.Single(await s.Store.RecordRecallsAsync(s.Tenant, [memory.Id], secondAt, s.Audit("recall")));
        Assert.Equal(2, second.RecallCount);
        Assert.Equal(ForgettingCurve.Reinforce(first.Strength, 0.5, 1.0 / 24), second.Strength, 9);

        var item = (await s.Store.GetAsync(s.Tenant, memory.Id))!;
        Assert.Equal((second.Strength, secondAt, 2, 1, memory.Text), (item.Strength, item.LastRecalledAt!.Value, item.RecallCount, item.Version, item.Text));
        Assert.Single(await s.Store.GetHistoryAsync(s.Tenant, memory.Id));
        var lines = (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = memory.Id })).Where(a => a.Action == "recall").ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, a => Assert.Equal((cube.Id, memory.Id.ToString(), (int?)1), (a.CubeId, a.MemoryId, a.Version)));
        Assert.StartsWith("search", lines[0].Detail, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_new_version_written_from_a_read_before_a_recall_keeps_the_recall()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var read = await s.AddAsync(cube, "Alice's locker code is 4711");
        var recall = Assert.Single(await s.Store.RecordRecallsAsync(s.Tenant, [read.Id], s.Now.AddDays(1), s.Audit("recall")));

        // Built from the read taken before the recall (a recall moves no version, so the version check cannot see it).
        var archived = await s.ReplaceAsync(read, m => m with { State = LifecycleState.Archived, Importance = 0.9 }, "faded");

        var stored = (await s.Store.GetAsync(s.Tenant, read.Id))!;
        Assert.Equal((LifecycleState.Archived, 0.9, 2), (stored.State, stored.Importance, stored.Version));
        Assert.Equal((1, recall.Strength, recall.LastRecalledAt), (stored.RecallCount, stored.Strength, stored.LastRecalledAt));
        Assert.Equal(archived.Id, stored.Id);
    }

    [SkippableFact]
    public async Task Recalls_skip_memories_that_are_not_active_or_frozen()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var active = await s.AddAsync(cube, "active");
        var frozen = await s.SetStateAsync(await s.AddAsync(cube, "frozen"), LifecycleState.Frozen, "hold");
        var archived = await s.SetStateAsync(await s.AddAsync(cube, "archived"), LifecycleState.Archived, "faded");
        var deleted = await s.SetStateAsync(await s.AddAsync(cube, "deleted"), LifecycleState.Deleted, "wrong");
        var superseded = await s.SetStateAsync(await s.AddAsync(cube, "superseded"), LifecycleState.Superseded, "newer");

        var records = await s.Store.RecordRecallsAsync(s.Tenant, [active.Id, frozen.Id, archived.Id, deleted.Id, superseded.Id], s.Now.AddDays(1), s.Audit("recall"));

        Assert.Equal([active.Id, frozen.Id], records.Select(r => r.Id).Order());
        foreach (var skipped in new[] { archived, deleted, superseded })
        {
            var item = (await s.Store.GetAsync(s.Tenant, skipped.Id))!;
            Assert.Equal((0, (DateTimeOffset?)null, 1.0), (item.RecallCount, item.LastRecalledAt, item.Strength));
        }

        Assert.Equal(2, (await s.Store.ReadAuditAsync(s.Tenant)).Count(a => a.Action == "recall"));
        Assert.Empty(await s.Store.RecordRecallsAsync(s.Tenant, [], s.Now, s.Audit("recall")));
    }

    [SkippableFact]
    public async Task The_store_never_records_a_recall_across_tenants()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var memory = await s.AddAsync(cube, "Alice's secret");
        string evil = StoreScenario.NewTenant();

        Assert.Empty(await s.Store.RecordRecallsAsync(evil, [memory.Id], s.Now, s.Audit("recall", tenant: evil)));

        Assert.Equal(0, (await s.Store.GetAsync(s.Tenant, memory.Id))!.RecallCount);
        Assert.DoesNotContain(await s.Store.ReadAuditAsync(s.Tenant), a => a.Action == "recall");
        Assert.Empty(await s.Store.ReadAuditAsync(evil));
    }
}
