using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>The append-only audit log: every write's lines, oldest first, per tenant or per memory.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Every_write_leaves_its_audit_lines_oldest_first_and_a_memory_filter_reads_its_own()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        s.Now = s.Now.AddMinutes(1);
        var a = s.Item(cube, "audit me");
        var b = s.Item(cube, "audit me too");
        await s.AddAsync([a, b]);
        s.Now = s.Now.AddMinutes(1);
        var a2 = await s.ReplaceAsync((await s.Store.GetAsync(s.Tenant, a.Id))!, m => m with { Text = "audit me again" }, "typo");
        s.Now = s.Now.AddMinutes(1);
        await s.Store.RecordRecallsAsync(s.Tenant, [a.Id], s.Now, s.Audit("recall", detail: "search"));
        s.Now = s.Now.AddMinutes(1);
        Assert.True(await s.PurgeAsync((await s.Store.GetAsync(s.Tenant, b.Id))!));
        s.Now = s.Now.AddMinutes(1);
        await s.Store.UpdateCubeAsync(s.Tenant, cube.Id, c => c with { Policy = new CubePolicy { MaxItems = 5 } }, s.Audit("cube.policy", cube.Id));

        var trail = await s.Store.ReadAuditAsync(s.Tenant);
        Assert.Equal(["cube.create", "add", "add", "update", "recall", "purge", "cube.policy"], trail.Select(r => r.Action));
        Assert.Equal([null, a.Id.ToString(), b.Id.ToString(), a.Id.ToString(), a.Id.ToString(), b.Id.ToString(), null], trail.Select(r => r.MemoryId));
        Assert.Equal([null, 1, 1, 2, 2, 1, null], trail.Select(r => r.Version));
        Assert.All(trail, r => Assert.Equal((s.Tenant, "alice", cube.Id), (r.Tenant, r.User, r.CubeId)));
        Assert.Equal(trail.Select(r => r.At).Order(), trail.Select(r => r.At));
        Assert.Equal(StoreScenario.Start.AddMinutes(5), trail[^1].At);
        Assert.Equal("typo", trail[3].Detail);
        Assert.StartsWith("search", trail[4].Detail, StringComparison.Ordinal);

        Assert.Equal(["add", "update", "recall"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = a.Id })).Select(r => r.Action));
        Assert.Equal(["add", "purge"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = b.Id })).Select(r => r.Action));
        Assert.Equal(["cube.create", "add"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { Limit = 2 })).Select(r => r.Action));
        Assert.Equal(["add"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = a2.Id, Limit = 1 })).Select(r => r.Action));
    }

    [SkippableFact]
    public async Task The_audit_log_pages_on_from_a_lines_sequence_and_a_cube_filter_reads_that_cubes_lines_only()
    {
        await using var s = await StartAsync();
        var first = await s.CreateCubeAsync("first");
        await s.AddAsync([.. Enumerable.Range(0, 5).Select(i => s.Item(first, $"first cube, line {i}"))]);
        var second = await s.CreateCubeAsync("second");
        var late = s.Item(second, "the second cube's only memory");
        await s.AddAsync([late]);

        var whole = await s.Store.ReadAuditAsync(s.Tenant);
        Assert.Equal(8, whole.Count);
        Assert.True(whole.Zip(whole.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), "sequences increase");
        Assert.True(whole[0].Sequence > 0);

        // Pages of three, each read on from the last line's sequence, give the whole log, once each, in order.
        var paged = new List<AuditRecord>();
        var query = new AuditQuery { Limit = 3 };
        while (true)
        {
            var page = await s.Store.ReadAuditAsync(s.Tenant, query);
            paged.AddRange(page);
            if (page.Count < query.Limit)
            {
                break;
            }

            query = query with { After = page[^1].Sequence };
        }

        Assert.Equal(whole, paged);

        // A cube's lines however far into the tenant's log they are: the limit counts that cube's lines.
        var secondsLines = await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { CubeId = second.Id, Limit = 2 });
        Assert.Equal([("cube.create", null), ("add", late.Id.ToString())], secondsLines.Select(r => (r.Action, r.MemoryId)));
        Assert.Equal(["add", "add"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { CubeId = first.Id, After = whole[3].Sequence })).Select(r => r.Action));
        Assert.Empty(await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { After = whole[^1].Sequence }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { After = -1 }));
    }

    [SkippableFact]
    public async Task An_adds_line_keeps_the_reason_a_memory_was_written_with_unless_the_line_has_its_own()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var reasoned = s.Item(cube, "written for a reason") with { StateReason = "from the onboarding form" };
        var plain = s.Item(cube, "written without one");
        await s.AddAsync([reasoned, plain]);
        var own = s.Item(cube, "the line has a detail of its own") with { StateReason = "not this" };
        await s.Store.AddAsync(s.Tenant, [own], new AddOptions(Deduplicate: false), s.Audit("add", cube.Id, detail: "imported"));

        Assert.Equal("from the onboarding form", Assert.Single(await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = reasoned.Id })).Detail);
        Assert.Null(Assert.Single(await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = plain.Id })).Detail);
        Assert.Equal("imported", Assert.Single(await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = own.Id })).Detail);

        Assert.True(await s.PurgeAsync((await s.Store.GetAsync(s.Tenant, reasoned.Id))!)); // the reason is caller text: a purge redacts it
        Assert.Equal([AuditRecord.RedactedDetail, null], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = reasoned.Id })).Select(r => r.Detail));
    }

    [SkippableFact]
    public async Task An_audit_record_naming_another_tenant_is_filed_under_the_tenant_the_call_is_bound_to()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        string other = StoreScenario.NewTenant();
        var item = s.Item(cube, "a write whose audit record names another tenant");

        await s.Store.AddAsync(s.Tenant, [item], new AddOptions(Deduplicate: false), s.Audit("add", cube.Id, tenant: other));

        Assert.Empty(await s.Store.ReadAuditAsync(other));
        Assert.Equal(["add"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = item.Id })).Select(r => r.Action));
    }
}
