using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary>Governance through the facade: who may read the audit, delete a cube or set its TTL, and what the TTL purges.</summary>
public sealed class GovernanceTests : IAsyncLifetime
{
    private static readonly Scope Alice = new("acme", "alice");
    private static readonly Scope Bob = new("acme", "bob");
    private static readonly Scope Carol = new("acme", "carol");
    private readonly ManualTime clock = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private MemoryOS memory = null!;

    public async Task InitializeAsync()
    {
        memory = InMemoryMemory.Open(time: clock);
        await memory.CreateCubeAsync(Alice, "notes");
        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.ReadWrite)]);
    }

    public async Task DisposeAsync() => await memory.DisposeAsync();

    [Fact]
    public async Task A_refusal_names_what_the_request_named_so_a_host_can_answer_as_for_an_unknown_one()
    {
        var secret = await memory.AddAsync(Alice, "notes", new MemoryDraft("the safe code is 4412"));
        await memory.CreateCubeAsync(Carol, "carols");
        var own = await memory.AddAsync(Carol, "carols", new MemoryDraft("carol's own note"));
        var notes = await memory.OpenCubeAsync(Alice, "notes");

        // Batches naming several memories name the first one the refused cube holds, as a single call names its one.
        var updating = await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.UpdateManyAsync(Carol, [new MemoryUpdate(own.Id, new MemoryChange { Importance = 0.9 }), new MemoryUpdate(secret.Id, new MemoryChange { Importance = 0.1 })]));
        var recalling = await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.RecordRecallAsync(Carol, [own.Id, secret.Id]));
        Assert.Equal((secret.Id.ToString(), secret.Id.ToString()), (updating.MemoryId, recalling.MemoryId));

        // A cube named by id is reported as asked for, so the id does not lead to the name.
        var byId = await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.OpenCubeAsync(Carol, notes.Id));
        Assert.Equal((notes.Id, false), (byId.RequestedAs, byId.CanRead));
        Assert.Equal(0.5, (await memory.GetAsync(Carol, own.Id)).Importance); // the refused batch wrote nothing
    }

    [Fact]
    public async Task A_write_only_grantee_adds_but_cannot_read_a_memory_through_a_write_that_returns_it()
    {
        var pin = await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's PIN is 4412"));
        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("carol", null, CubeAccess.Write)]);

        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.GetAsync(Carol, pin.Id));
        Assert.True((await memory.AddAsync(Carol, "notes", new MemoryDraft("carol's delivery arrived"))).Created);

        // Each of these returned the memory (a state it already had wrote nothing and still returned it): a read.
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SetStateAsync(Carol, pin.Id, LifecycleState.Active));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.UpdateAsync(Carol, pin.Id, new MemoryChange { Importance = 0.9 }));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.DeleteAsync(Carol, pin.Id));
        Assert.Equal(1, (await memory.GetAsync(Alice, pin.Id)).Version);
    }

    [Fact]
    public async Task A_write_only_grantee_cannot_purge_a_memory_it_cannot_read()
    {
        // A purge needed write alone: a grantee that may not read (nor soft-delete) erased for good, and learnt from a
        // refusal for a frozen memory or an unknown id what was there.
        var pin = await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's PIN is 4412"));
        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.ReadWrite), new CubeGrant("carol", null, CubeAccess.Write)]);

        var refused = await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.PurgeAsync(Carol, pin.Id));
        Assert.Equal((pin.Id.ToString(), false), (refused.MemoryId, refused.CanRead));
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.PurgeManyAsync(Carol, [pin.Id], null));
        await memory.SetStateAsync(Alice, pin.Id, LifecycleState.Frozen);
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.PurgeAsync(Carol, pin.Id)); // not "frozen"
        Assert.Equal("alice's PIN is 4412", (await memory.GetAsync(Alice, pin.Id)).Text);

        // Read and write together purge, as they soft-delete.
        var note = await memory.AddAsync(Alice, "notes", new MemoryDraft("bob may tidy this"));
        await memory.PurgeAsync(Bob, note.Id);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, note.Id));
    }

    [Fact]
    public async Task A_small_page_of_the_audit_reads_the_lines_a_scope_may_not_see_in_large_pages()
    {
        var inner = new AgentMem.Stores.InMemory.InMemoryMemoryStore();
        int reads = 0;
        var counting = InterceptedStore.Over(inner, (method, _) =>
        {
            if (method == nameof(IMemoryStore.ReadAuditAsync))
            {
                reads++;
            }

            return null;
        });
        await using var audited = new MemoryOS(counting, new AgentMem.Retrieval.Lexical.Bm25Retriever(counting));
        await audited.CreateCubeAsync(Bob, "bobs");
        await audited.AddBatchAsync(Bob, "bobs", [.. Enumerable.Range(0, 2500).Select(i => new MemoryDraft($"bob's note {i}"))]);
        for (int i = 0; i < 300; i++)
        {
            await audited.AddAsync(Bob, "bobs", new MemoryDraft($"bob's single note {i}"));
        }

        await audited.CreateCubeAsync(Carol, "carols");
        var page = await audited.GetAuditAsync(Carol, limit: 1);
        Assert.Equal("cube.create", Assert.Single(page).Action);
        Assert.True(reads < 10, $"{reads} store reads for one line");
    }

    [Fact]
    public async Task Grants_are_checked_by_the_facade_for_every_host()
    {
        foreach (var bad in new[] { null!, new CubeGrant(null, "  ", CubeAccess.Read), new CubeGrant("bob", null, CubeAccess.None), new CubeGrant("bob", null, (CubeAccess)8) })
        {
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.SetGrantsAsync(Alice, "notes", [bad]));
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.CreateCubeAsync(Alice, "other", grants: [bad]));
        }

        // Nothing changed: Bob still reads the cube, and Carol, listing cubes, is not failed by a broken grant.
        Assert.Contains(await memory.ListCubesAsync(Bob), c => c.Name == "notes");
        Assert.DoesNotContain(await memory.ListCubesAsync(Carol), c => c.Name == "notes");

        // Names are kept trimmed, so " carol " is carol.
        var cube = await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant(" carol ", null, CubeAccess.Read)]);
        Assert.Equal("carol", Assert.Single(cube.Grants).User);
        Assert.Contains(await memory.ListCubesAsync(Carol), c => c.Name == "notes");
    }

    [Fact]
    public async Task The_audit_of_a_cube_is_refused_to_a_scope_that_cannot_read_it()
    {
        await memory.AddAsync(Alice, "notes", new MemoryDraft("quarterly numbers"));

        Assert.Contains(await memory.GetCubeAuditAsync(Bob, "notes"), r => r.Action == "add");
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.GetCubeAuditAsync(Carol, "notes"));
        await Assert.ThrowsAsync<CubeNotFoundException>(() => memory.GetCubeAuditAsync(Alice, "nowhere"));
        Assert.DoesNotContain(await memory.GetAuditAsync(Carol), r => r.Action == "add");
    }

    [Fact]
    public async Task A_cube_or_a_reader_past_the_first_thousand_audit_lines_still_reads_its_own_and_pages_on()
    {
        // 1,200 lines in Alice's cube first (bob may read it, carol not), then carol's cube with two memories.
        await memory.AddBatchAsync(Alice, "notes", [.. Enumerable.Range(0, 1200).Select(i => new MemoryDraft($"note {i}"))]);
        await memory.CreateCubeAsync(Carol, "diary");
        await memory.AddAsync(Carol, "diary", new MemoryDraft("dear diary"));
        await memory.AddAsync(Carol, "diary", new MemoryDraft("dear diary, again"));

        // The cube's trail is its own lines, not the tenant's first thousand filtered down to none.
        Assert.Equal(["cube.create", "add", "add"], (await memory.GetCubeAuditAsync(Carol, "diary", limit: 1000)).Select(r => r.Action));

        // The tenant view counts what the reader may see: carol's three lines, though 1,202 unreadable ones come first.
        Assert.Equal(["cube.create", "add", "add"], (await memory.GetAuditAsync(Carol, limit: 3)).Select(r => r.Action));

        // Paging on from the last line's sequence reaches every line bob may read, once each.
        var seen = new List<AuditRecord>();
        long after = 0;
        while (true)
        {
            var page = await memory.GetAuditAsync(Bob, limit: 500, after: after);
            seen.AddRange(page);
            if (page.Count < 500)
            {
                break;
            }

            after = page[^1].Sequence;
        }

        string notes = (await memory.OpenCubeAsync(Alice, "notes")).Id;
        Assert.All(seen, r => Assert.Equal(notes, r.CubeId));
        Assert.Equal(1200, seen.Count(r => r.Action == "add"));
        Assert.Equal(seen.Count, seen.Select(r => r.Sequence).Distinct().Count());
        Assert.True(seen.Count > 1200 && seen.Count < 1210, $"{seen.Count} lines");
    }

    [Fact]
    public async Task Only_the_owner_deletes_a_cube_and_its_audit_line_outlives_it()
    {
        var note = await memory.AddAsync(Alice, "notes", new MemoryDraft("doomed note"));

        var refused = await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.DeleteCubeAsync(Bob, "notes"));
        Assert.Contains("owner", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.DeleteCubeAsync(Carol, "notes"));
        string cubeId = (await memory.OpenCubeAsync(Alice, "notes")).Id;

        Assert.Equal(1, await memory.DeleteCubeAsync(Alice, "notes"));

        await Assert.ThrowsAsync<CubeNotFoundException>(() => memory.SearchAsync(Bob, "notes", "doomed"));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, note.Id));
        await Assert.ThrowsAsync<CubeNotFoundException>(() => memory.DeleteCubeAsync(Alice, "notes"));
        var line = Assert.Single(await memory.GetAuditAsync(Alice), r => r.Action == "cube.delete");
        Assert.Equal((cubeId, "notes", (string?)null), (line.CubeId, line.Detail, line.MemoryId));
        Assert.DoesNotContain(await memory.GetAuditAsync(Bob), r => r.Action == "cube.delete");
    }

    [Fact]
    public async Task A_tenants_cube_is_read_and_written_by_every_user_but_managed_by_the_tenant_only()
    {
        // A cube made with no user is the tenant's: any user counted as its owner, so one user could delete it, set a
        // purge deadline on it or grant it away, for every other user's memories in it.
        var tenant = new Scope("acme");
        await memory.CreateCubeAsync(tenant, "shared");
        var carols = await memory.AddAsync(Carol, "shared", new MemoryDraft("Carol's note in the shared cube"));
        Assert.Single(await memory.SearchAsync(Bob, "shared", "Carol note"));

        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.DeleteCubeAsync(Bob, "shared"));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SetPolicyAsync(Bob, "shared", new CubePolicy { HardDeleteAfterDays = 1 }));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SetGrantsAsync(Bob, "shared", [new CubeGrant("mallory", null, CubeAccess.Read)]));
        Assert.Equal("Carol's note in the shared cube", (await memory.GetAsync(Bob, carols.Id)).Text);

        await memory.SetPolicyAsync(tenant, "shared", new CubePolicy { HardDeleteAfterDays = 90 });
        Assert.Equal(1, await memory.DeleteCubeAsync(tenant, "shared"));
    }

    [Fact]
    public async Task A_grantee_that_may_not_read_the_cube_cannot_change_its_policy_but_a_reader_and_writer_can()
    {
        // A write-only grantee set the forgetting threshold (so the next run archived the owner's every memory) and the
        // item limit (so the owner's adds were refused), and got the cube back with its grants.
        await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's first note"));
        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.ReadWrite), new CubeGrant("carol", null, CubeAccess.Write), new CubeGrant("dave", null, CubeAccess.Read)]);
        var before = (await memory.OpenCubeAsync(Alice, "notes")).Policy;

        var writer = await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.SetPolicyAsync(Carol, "notes", p => p with { ForgettingThreshold = 0.999999, MaxItems = 1 }));
        Assert.False(writer.CanRead);
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.SetPolicyAsync(Carol, "notes", new CubePolicy { Deduplicate = false }));
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.SetPolicyAsync(new Scope("acme", "dave"), "notes", p => p with { RetentionDays = 1 }));
        Assert.Equal(before, (await memory.OpenCubeAsync(Alice, "notes")).Policy);
        Assert.True((await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's second note"))).Created);

        // Who may read and write the cube still may, and is answered with the cube as a read shows it to them.
        var byBob = await memory.SetPolicyAsync(Bob, "notes", p => p with { MaxItems = 10 });
        Assert.Equal(10, byBob.Policy.MaxItems);
        Assert.Equal((await memory.OpenCubeAsync(Bob, "notes")).Grants, byBob.Grants);
        Assert.Equal(20, (await memory.SetPolicyAsync(Alice, "notes", p => p with { MaxItems = 20 })).Policy.MaxItems);
        var tenant = new Scope("acme");
        await memory.CreateCubeAsync(tenant, "shared");
        Assert.Equal(5, (await memory.SetPolicyAsync(tenant, "shared", p => p with { RetentionDays = 5 })).Policy.RetentionDays);
    }

    [Fact]
    public async Task A_full_cube_names_its_live_count_only_to_a_caller_that_may_count_it()
    {
        // A write-only grantee, refused CountAsync, read the cube's live count from the refusal of an add over the limit.
        await memory.AddBatchAsync(Alice, "notes", [.. Enumerable.Range(0, 7).Select(i => new MemoryDraft($"alice's note {i}"))]);
        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.ReadWrite), new CubeGrant("carol", null, CubeAccess.Write)]);
        await memory.SetPolicyAsync(Alice, "notes", p => p with { MaxItems = 7 });
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.CountAsync(Carol, "notes"));

        var writer = await Assert.ThrowsAsync<CubeFullException>(() => memory.AddBatchAsync(Carol, "notes", [new MemoryDraft("carol's note"), new MemoryDraft("carol's other note")]));
        Assert.DoesNotMatch(@"\b9\b", writer.Message);
        Assert.Contains("allows 7", writer.Message, StringComparison.Ordinal);

        // Whoever may read the cube is told how full it would be, as CountAsync would tell them.
        var reader = await Assert.ThrowsAsync<CubeFullException>(() => memory.AddBatchAsync(Bob, "notes", [new MemoryDraft("bob's note"), new MemoryDraft("bob's other note")]));
        Assert.Contains("would hold 9 live memories", reader.Message, StringComparison.Ordinal);
        var owner = await Assert.ThrowsAsync<CubeFullException>(() => memory.AddAsync(Alice, "notes", new MemoryDraft("alice's eighth note")));
        Assert.Contains("would hold 8 live memories", owner.Message, StringComparison.Ordinal);
        Assert.Equal(7, await memory.CountAsync(Alice, "notes"));
    }

    [Fact]
    public async Task Only_the_owner_sets_the_hard_delete_ttl_and_negative_days_are_refused()
    {
        await memory.SetPolicyAsync(Bob, "notes", new CubePolicy { RetentionDays = 30 });
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SetPolicyAsync(Bob, "notes", new CubePolicy { RetentionDays = 30, HardDeleteAfterDays = 1 }));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.SetPolicyAsync(Alice, "notes", new CubePolicy { HardDeleteAfterDays = -1 }));

        var set = await memory.SetPolicyAsync(Alice, "notes", new CubePolicy { RetentionDays = 30, HardDeleteAfterDays = 90 });
        Assert.Equal(90, set.Policy.HardDeleteAfterDays);
        Assert.Equal(90, (await memory.OpenCubeAsync(Bob, "notes")).Policy.HardDeleteAfterDays);
    }

    [Fact]
    public async Task The_ttl_purges_exactly_the_memories_recorded_longer_ago_than_it_in_any_state_but_frozen()
    {
        var old = await memory.AddAsync(Alice, "notes", new MemoryDraft("recorded first"));
        var oldArchived = await memory.AddAsync(Alice, "notes", new MemoryDraft("recorded first, archived"));
        var oldFrozen = await memory.AddAsync(Alice, "notes", new MemoryDraft("recorded first, on hold"));
        clock.Advance(TimeSpan.FromDays(5));
        var young = await memory.AddAsync(Alice, "notes", new MemoryDraft("recorded five days later"));

        // An update and a state change later on do not restart the clock.
        clock.Advance(TimeSpan.FromDays(4));
        await memory.UpdateAsync(Alice, old.Id, new MemoryChange { Text = "recorded first, edited" });
        await memory.SetStateAsync(Alice, oldArchived.Id, LifecycleState.Archived, "faded");
        await memory.SetStateAsync(Alice, oldFrozen.Id, LifecycleState.Frozen, "legal hold");
        await memory.SetPolicyAsync(Alice, "notes", new CubePolicy { HardDeleteAfterDays = 7 });
        clock.Advance(TimeSpan.FromDays(1)); // 10 days after the first three, 5 after the young one

        var runner = MaintenanceRunner.CreateDefault();
        var dry = Assert.Single(await runner.RunAsync(memory, Alice, "notes", [ExpiryJob.JobName], dryRun: true));
        Assert.Equal(2, dry.Counts["purged"]);
        Assert.Equal(4L, (await memory.GetStatsAsync(Alice, "notes")).ByState.Values.Sum());

        var done = Assert.Single(await runner.RunAsync(memory, Alice, "notes", [ExpiryJob.JobName]));
        Assert.Equal((4, 2, 1, 1), (done.Counts["examined"], done.Counts["purged"], done.Counts["exempt"], done.Counts["kept"]));
        Assert.Equal([old.Id, oldArchived.Id], done.Actions.Select(a => a.Id!.Value).Order());
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, old.Id));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, oldArchived.Id));
        Assert.Equal(LifecycleState.Frozen, (await memory.GetAsync(Alice, oldFrozen.Id)).State);
        Assert.Equal("recorded five days later", (await memory.GetAsync(Alice, young.Id)).Text);
        // One purge for the sweep (its VACUUM runs once), its line naming the reason and the count, no content.
        Assert.Equal("expired: cube TTL 7 d; 2 memories, 0 derived", Assert.Single(await memory.GetAuditAsync(Alice), r => r.Action == "purge").Detail);

        // A TTL of 0 never deletes.
        await memory.SetPolicyAsync(Alice, "notes", new CubePolicy());
        clock.Advance(TimeSpan.FromDays(3650));
        Assert.Equal(0, Assert.Single(await runner.RunAsync(memory, Alice, "notes", [ExpiryJob.JobName])).Counts["purged"]);

        // Nor does the longest TTL there is ("practically never"), and it runs: TimeSpan.FromDays(int.MaxValue) threw.
        await memory.SetPolicyAsync(Alice, "notes", new CubePolicy { HardDeleteAfterDays = int.MaxValue });
        var forever = Assert.Single(await runner.RunAsync(memory, Alice, "notes", [ExpiryJob.JobName]));
        Assert.Equal((0, 2), (forever.Counts["purged"], forever.Counts["kept"]));
    }

    [Fact]
    public async Task The_ttl_job_reports_progress_while_it_lists_and_while_it_prepares_the_purge_not_only_at_the_end()
    {
        // The only report came after the whole cube was listed, every expired memory loaded, purged and vacuumed.
        await memory.SetPolicyAsync(Alice, "notes", new CubePolicy { HardDeleteAfterDays = 1 });
        await memory.AddBatchAsync(Alice, "notes", [.. Enumerable.Range(0, 1000).Select(i => new MemoryDraft($"expired note number {i}"))]);
        clock.Advance(TimeSpan.FromDays(3));
        var reports = new List<MaintenanceProgress>();
        var progress = new SynchronousProgress<MaintenanceProgress>(reports.Add);

        var done = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "notes", [ExpiryJob.JobName], progress: progress));

        Assert.Equal(1000, done.Counts["purged"]);
        var listing = reports.Where(r => r.Total is null).ToList();
        var purging = reports.Where(r => r.Total is not null && r.Done < r.Total).ToList();
        Assert.Equal([200, 400, 600, 800, 1000], listing.Select(r => r.Done));
        Assert.True(purging.Count >= 5, $"{purging.Count} report(s) while the purge was prepared");
        Assert.All(purging, r => Assert.Equal((2000, 0), (r.Total!.Value, r.Counts["purged"])));
        Assert.Equal(purging.Select(r => r.Done).Order(), purging.Select(r => r.Done)); // never backwards
        var last = reports[^1];
        Assert.Equal((2000, 2000, 1000), (last.Done, last.Total, last.Counts["purged"]));
    }

    [Fact]
    public async Task The_service_sweep_applies_every_cubes_ttl_as_its_owner_and_counts_what_it_purged()
    {
        await memory.CreateCubeAsync(Bob, "bobs", policy: new CubePolicy { HardDeleteAfterDays = 1 });
        await memory.AddAsync(Bob, "bobs", new MemoryDraft("bob's old note"));
        await memory.AddAsync(Alice, "notes", new MemoryDraft("alice keeps hers (no TTL)"));
        clock.Advance(TimeSpan.FromDays(2));
        var fresh = await memory.AddAsync(Bob, "bobs", new MemoryDraft("bob's new note"));

        Assert.Equal(1, await memory.SweepExpiredAsync("acme"));

        Assert.Equal([fresh.Id], await memory.ListAsync(Bob, "bobs").Select(m => m.Id).ToListAsync());
        Assert.Single(await memory.ListAsync(Alice, "notes").ToListAsync());
        var purge = Assert.Single(await memory.GetAuditAsync(Bob), r => r.Action == "purge");
        Assert.Equal("bob", purge.User);
        Assert.Equal(0, await memory.SweepExpiredAsync("acme"));
    }

    [Fact]
    public async Task A_cube_whose_purge_clean_up_fails_does_not_stop_the_sweep_of_the_cubes_after_it()
    {
        // The first cube's purge commits but its index listener throws: the sweep stopped there, so cube b (after it in
        // name order) kept its expired memory, and the count of what cube a lost went with the exception.
        var a = await memory.CreateCubeAsync(Bob, "a", policy: new CubePolicy { HardDeleteAfterDays = 1 });
        await memory.CreateCubeAsync(Bob, "b", policy: new CubePolicy { HardDeleteAfterDays = 1 });
        await memory.AddAsync(Bob, "a", new MemoryDraft("cube a secret expired"));
        var inB = await memory.AddAsync(Bob, "b", new MemoryDraft("cube b secret expired"));
        using var failing = memory.AddChangeListener(new PurgeFails(a.Id));
        clock.Advance(TimeSpan.FromDays(3));

        var failed = await Assert.ThrowsAsync<ExpirySweepException>(() => memory.SweepExpiredAsync("acme"));

        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Bob, inB.Id));
        Assert.Equal(2, failed.Purged);
        Assert.Equal(["a"], failed.Cubes);
        Assert.IsType<ErasureFilesLeftException>(Assert.Single(failed.InnerExceptions));
        Assert.Contains("purged 2 memories, but failed in 1 cube(s): 'a' (ErasureFilesLeftException)", failed.Message, StringComparison.Ordinal);
        Assert.Contains("lexical.snap is locked", failed.Message, StringComparison.Ordinal); // the cube's own error, once
        Assert.Empty(await memory.ListAsync(Bob, "a").ToListAsync());
    }

    /// <summary>A listener whose index file of one cube cannot be deleted.</summary>
    private sealed class PurgeFails(string failingCube) : IMemoryChangeListener
    {
        public void OnMemoriesChanged(string tenant, string cubeId)
        {
        }

        public void OnMemoryPurged(string tenant, string cubeId, MemoryId id)
        {
            if (string.Equals(cubeId, failingCube, StringComparison.Ordinal))
            {
                throw new IOException("lexical.snap is locked");
            }
        }
    }
}
