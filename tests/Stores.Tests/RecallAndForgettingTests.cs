using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Stores.Tests;

public sealed class RecallAndForgettingTests : IAsyncLifetime
{
    private static readonly Scope Alice = TestDatabase.Alice;
    private readonly TestDatabase db = new();
    private readonly ManualTime clock = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));

    // xunit v2 calls IAsyncLifetime, not IAsyncDisposable, on a test class: the temporary database is removed here.
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => db.DisposeAsync().AsTask();

    [Fact]
    public async Task Recording_a_recall_updates_the_counters_in_place_with_an_audit_line_and_no_new_version()
    {
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes");
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice's locker code is 4711") { Importance = 0.5 })).Id;

        clock.Advance(TimeSpan.FromDays(1));
        var first = Assert.Single(await memory.RecordRecallAsync(Alice, [id, id]));
        Assert.Equal(1 + (1.5 * (1 - Math.Exp(-1))), first.Strength, 9);
        Assert.Equal(1, first.RecallCount);

        clock.Advance(TimeSpan.FromHours(1));
        var second = Assert.Single(await memory.RecordRecallAsync(Alice, [id]));
        Assert.Equal(2, second.RecallCount);
        Assert.True(second.Strength > first.Strength && second.Strength - first.Strength < 0.05, "a recall an hour later adds little");

        var item = await memory.GetAsync(Alice, id);
        Assert.Equal((second.Strength, clock.Now, 2, 1), (item.Strength, item.LastRecalledAt!.Value, item.RecallCount, item.Version));
        Assert.Single(await memory.GetHistoryAsync(Alice, id));
        var audit = await memory.GetAuditAsync(Alice, id);
        Assert.Equal(2, audit.Count(a => a.Action == "recall"));
        Assert.Contains("strength 1 -> 1.948", audit.First(a => a.Action == "recall").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recalls_skip_memories_that_are_not_live_and_refuse_ids_of_other_tenants()
    {
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes");
        var archived = (await memory.AddAsync(Alice, "notes", new MemoryDraft("old note"))).Id;
        await memory.SetStateAsync(Alice, archived, LifecycleState.Archived);
        Assert.Empty(await memory.RecordRecallAsync(Alice, [archived]));
        Assert.Equal(0, (await memory.GetAsync(Alice, archived)).RecallCount);

        var mallory = new Scope("evil", "mallory");
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.RecordRecallAsync(mallory, [archived]));
    }

    [Fact]
    public async Task Search_reinforces_what_it_returns_only_when_asked_to()
    {
        var plain = db.OpenMemory(time: clock);
        await plain.CreateCubeAsync(Alice, "notes");
        var id = (await plain.AddAsync(Alice, "notes", new MemoryDraft("Alice plays the cello"))).Id;
        await plain.AddAsync(Alice, "notes", new MemoryDraft("Bob plays chess"));
        clock.Advance(TimeSpan.FromDays(2));

        Assert.Equal(id, (await plain.SearchAsync(Alice, "notes", "cello"))[0].Item.Id);
        Assert.Equal(0, (await plain.GetAsync(Alice, id)).RecallCount);

        var reinforcing = db.OpenMemory(new MemoryOSOptions { ReinforceOnSearch = true }, clock);
        var hits = await reinforcing.SearchAsync(Alice, "notes", "cello");
        Assert.Equal(id, Assert.Single(hits).Item.Id);
        var after = await reinforcing.GetAsync(Alice, id);
        Assert.Equal((1, clock.Now), (after.RecallCount, after.LastRecalledAt!.Value));
        Assert.True(after.Strength > 1);
        var recall = Assert.Single(await reinforcing.GetAuditAsync(Alice, id), a => a.Action == "recall");
        Assert.StartsWith("search; strength 1 -> ", recall.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_search_can_say_whether_its_hits_count_as_recalled()
    {
        var memory = db.OpenMemory(new MemoryOSOptions { ReinforceOnSearch = true }, clock);
        await memory.CreateCubeAsync(Alice, "notes");
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice plays the cello on Sundays"))).Id;

        // An internal look-up (as a fact's candidates are found) leaves the forgetting curve alone, whatever the default.
        Assert.Single(await memory.SearchAsync(Alice, "notes", "cello", new SearchOptions { RecordRecall = false }));
        Assert.Equal(0, (await memory.GetAsync(Alice, id)).RecallCount);

        Assert.Single(await memory.SearchAsync(Alice, "notes", "cello", new SearchOptions { K = 3 }));
        Assert.Equal(1, (await memory.GetAsync(Alice, id)).RecallCount);

        var plain = db.OpenMemory(time: clock);
        Assert.Single(await plain.SearchAsync(Alice, "notes", "cello", new SearchOptions { RecordRecall = true }));
        Assert.Equal(2, (await plain.GetAsync(Alice, id)).RecallCount);
    }

    [Fact]
    public async Task A_change_listener_hears_writes_until_its_registration_is_disposed()
    {
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes");
        var heard = new CountingListener();
        var registration = memory.AddChangeListener(heard);
        await memory.AddAsync(Alice, "notes", new MemoryDraft("first"));
        registration.Dispose();
        registration.Dispose(); // twice is harmless
        await memory.AddAsync(Alice, "notes", new MemoryDraft("second"));
        Assert.Equal(1, heard.Changes);

        // Registering and leaving from many threads while writes go on loses nobody who stays.
        var stays = new CountingListener();
        using var kept = memory.AddChangeListener(stays);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                memory.AddChangeListener(new CountingListener()).Dispose();
            }
        })));
        await memory.AddAsync(Alice, "notes", new MemoryDraft("third"));
        Assert.Equal(1, stays.Changes);
    }

    private sealed class CountingListener : IMemoryChangeListener
    {
        private int changes;

        public int Changes => Volatile.Read(ref changes);

        public void OnMemoriesChanged(string tenant, string cubeId) => Interlocked.Increment(ref changes);

        public void OnMemoryPurged(string tenant, string cubeId, MemoryId id)
        {
        }
    }

    [Fact]
    public async Task The_forgetting_job_archives_faded_memories_spares_frozen_and_recalled_ones_and_deletes_nothing()
    {
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes", policy: new CubePolicy { ForgettingThreshold = 0.1 });
        var faded = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice parked on level 3"))).Id;
        var frozen = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice's passport number is X123"))).Id;
        var used = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice's dentist is Dr Who"))).Id;
        await memory.SetStateAsync(Alice, frozen, LifecycleState.Frozen, "legal hold");
        clock.Advance(TimeSpan.FromDays(1));
        await memory.RecordRecallAsync(Alice, [used]); // S: 1 -> 1.948
        clock.Advance(TimeSpan.FromDays(2)); // faded: e^-3 = 0.05; used: e^(-2/1.948) = 0.36

        var runner = MaintenanceRunner.CreateDefault();
        var dry = Assert.Single(await runner.RunAsync(memory, Alice, "notes", [ForgettingJob.JobName], dryRun: true));
        Assert.Equal(1, dry.Counts["archived"]);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, faded)).State);

        var reports = new List<MaintenanceProgress>();
        var result = Assert.Single(await runner.RunAsync(memory, Alice, "notes", ["FORGETTING"], progress: new SynchronousProgress<MaintenanceProgress>(reports.Add)));
        Assert.Equal((3, 1, 1, 1), (result.Counts["examined"], result.Counts["archived"], result.Counts["exempt"], result.Counts["kept"]));
        Assert.Equal(faded, Assert.Single(result.Actions).Id);
        Assert.Equal((4, 4), (reports[^1].Done, reports[^1].Total)); // 3 listed, 1 archived

        var archived = await memory.GetAsync(Alice, faded);
        Assert.Equal(LifecycleState.Archived, archived.State);
        Assert.StartsWith("forgotten: retention 0.0498 < 0.1", archived.StateReason, StringComparison.Ordinal);
        Assert.Equal(2, (await memory.GetHistoryAsync(Alice, faded)).Count);
        Assert.Equal(LifecycleState.Frozen, (await memory.GetAsync(Alice, frozen)).State);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, used)).State);
        Assert.Empty(await memory.SearchAsync(Alice, "notes", "parked level"));
        var stats = await memory.GetStatsAsync(Alice, "notes");
        Assert.Equal(3, stats.ByState.Values.Sum());

        // Restoring it from the archive counts as a recall (the user asked for it back), so a second run finds nothing more
        // to do: the clock ran from its last recall or its recording, and the next run archived it again at once.
        var returned = await memory.SetStateAsync(Alice, faded, LifecycleState.Active, "needed again");
        var restored = await memory.GetAsync(Alice, faded);
        Assert.Equal((LifecycleState.Active, 1, clock.Now), (restored.State, restored.RecallCount, restored.LastRecalledAt!.Value));
        Assert.Equal((restored.RecallCount, restored.LastRecalledAt, restored.Strength), (returned.RecallCount, returned.LastRecalledAt, returned.Strength)); // what the caller is shown
        var again = Assert.Single(await runner.RunAsync(memory, Alice, "notes", ["forgetting"]));
        Assert.Equal(0, again.Counts["archived"]);
    }

    [Fact]
    public async Task Restoring_a_deleted_or_superseded_memory_counts_as_a_recall_as_a_restore_from_the_archive_does()
    {
        // Only a restore from the archive was recorded as a recall: a 30-day-old memory restored after a mistaken delete
        // kept its old clock, and the next forgetting run archived it at once.
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes", policy: new CubePolicy { ForgettingThreshold = 0.1 });
        var deleted = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice parked on level 3"))).Id;
        var superseded = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice's locker is 12"))).Id;
        clock.Advance(TimeSpan.FromDays(30));
        await memory.DeleteAsync(Alice, deleted, "by mistake");
        await memory.SupersedeAsync(Alice, superseded, "wrong locker");

        var fromDelete = await memory.SetStateAsync(Alice, deleted, LifecycleState.Active, "deleted by mistake");
        var fromSupersede = await memory.SetStateAsync(Alice, superseded, LifecycleState.Active, "the locker was right");
        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "notes", ["forgetting"]));

        Assert.Equal((1, 1), (fromDelete.RecallCount, fromSupersede.RecallCount));
        Assert.Equal((0, 2), (result.Counts["archived"], result.Counts["kept"]));
        foreach (var id in new[] { deleted, superseded })
        {
            var restored = await memory.GetAsync(Alice, id);
            Assert.Equal((LifecycleState.Active, 1, clock.Now), (restored.State, restored.RecallCount, restored.LastRecalledAt!.Value));
        }
    }

    [Fact]
    public async Task Editing_a_memorys_text_counts_as_a_recall_so_the_next_forgetting_run_keeps_it()
    {
        // An edit wrote a new version but left the forgetting clock at the recording: an address corrected a minute ago was
        // archived as "not recalled for 60 d". Only a new text counts, as a restore does: a change of tags alone is no use
        // of the memory (a job's links and tags would otherwise keep every linked memory from fading).
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes", policy: new CubePolicy { RetentionDays = 30 });
        var address = (await memory.AddAsync(Alice, "notes", new MemoryDraft("My address is 1 Old Street"))).Id;
        var phone = (await memory.AddAsync(Alice, "notes", new MemoryDraft("My phone is 555 0100"))).Id;
        var locker = (await memory.AddAsync(Alice, "notes", new MemoryDraft("My locker is 12"))).Id;
        clock.Advance(TimeSpan.FromDays(60));

        var edited = await memory.UpdateAsync(Alice, address, new MemoryChange { Text = "My address is 9 New Road" });
        var batch = await memory.UpdateManyAsync(Alice, [new MemoryUpdate(phone, new MemoryChange { Text = "My phone is 555 0199" }), new MemoryUpdate(locker, new MemoryChange { Tags = ["locker"] })]);
        var editedAt = clock.Now;
        clock.Advance(TimeSpan.FromMinutes(1));
        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "notes", ["forgetting"]));

        Assert.Equal((1, editedAt), (edited.RecallCount, edited.LastRecalledAt)); // what the caller is shown
        Assert.Equal([1, 0], batch.Select(m => m.RecallCount));
        Assert.Equal((1, 2), (result.Counts["archived"], result.Counts["kept"]));
        Assert.Equal(locker, Assert.Single(result.Actions).Id);
        foreach (var id in new[] { address, phone })
        {
            var kept = await memory.GetAsync(Alice, id);
            Assert.Equal((LifecycleState.Active, 2, 1, editedAt), (kept.State, kept.Version, kept.RecallCount, kept.LastRecalledAt!.Value));
        }

        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(Alice, locker)).State);
    }

    [Fact]
    public async Task A_merged_survivor_keeps_the_recalls_of_the_memory_it_absorbed_so_forgetting_keeps_it()
    {
        // The survivor is chosen by its terms, not by its use: the absorbed duplicate was the one recalled, and the merge
        // left the survivor its own old clock, so the next forgetting run archived the fact (the recalled copy superseded,
        // the surviving one archived: gone from retrieval both ways).
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes", policy: new CubePolicy { ForgettingThreshold = 0.1 });
        var fuller = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice keeps her locker code 4711 written inside the blue notebook"))).Id;
        var recalled = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice keeps her locker code 4711 written inside the notebook"))).Id;
        clock.Advance(TimeSpan.FromDays(5));
        await memory.RecordRecallAsync(Alice, [fuller]);
        clock.Advance(TimeSpan.FromDays(15));
        await memory.RecordRecallAsync(Alice, [recalled]);
        clock.Advance(TimeSpan.FromHours(1));
        await memory.RecordRecallAsync(Alice, [recalled]);
        clock.Advance(TimeSpan.FromDays(1));
        var (survivorBefore, absorbedBefore) = (await memory.GetAsync(Alice, fuller), await memory.GetAsync(Alice, recalled));
        Assert.True(absorbedBefore.Strength > survivorBefore.Strength, "the absorbed copy is the stronger one");

        var runner = MaintenanceRunner.CreateDefault();
        var merged = Assert.Single(await runner.RunAsync(memory, Alice, "notes", ["consolidation"]));
        var forgetting = Assert.Single(await runner.RunAsync(memory, Alice, "notes", ["forgetting"]));

        Assert.Equal((recalled, fuller), (Assert.Single(merged.Actions).Id!.Value, merged.Actions[0].Other!.Value));
        Assert.Equal(0, forgetting.Counts["archived"]);
        var survivor = await memory.GetAsync(Alice, fuller);
        Assert.Equal((LifecycleState.Active, 2), (survivor.State, survivor.Version));
        Assert.Equal((absorbedBefore.Strength, absorbedBefore.LastRecalledAt, 3), (survivor.Strength, survivor.LastRecalledAt, survivor.RecallCount));
        var absorbed = await memory.GetAsync(Alice, recalled);
        Assert.Equal((LifecycleState.Superseded, absorbedBefore.RecallCount), (absorbed.State, absorbed.RecallCount));
        Assert.Equal(fuller, Assert.Single(await memory.SearchAsync(Alice, "notes", "locker code")).Item.Id);
    }

    [Fact]
    public async Task A_restore_stands_when_its_recall_cannot_be_recorded()
    {
        // The recall of a restore is recorded after the restore committed: a store without recalls (the interface's
        // default), a full disk or a cancellation there must not report the committed restore as failed.
        var store = db.OpenStore();
        var noRecalls = InterceptedStore.Over(store, (method, _) => method switch
        {
            nameof(IMemoryStore.RecordRecallsAsync) => Task.FromException<IReadOnlyList<RecallRecord>>(new NotSupportedException("no recalls here")),
            _ => null,
        });
        await using var memory = new MemoryOS(noRecalls, new Bm25Retriever(store), timeProvider: clock);
        await memory.CreateCubeAsync(Alice, "notes");
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice parked on level 3"))).Id;
        await memory.SetStateAsync(Alice, id, LifecycleState.Archived, "forgotten");

        var restored = await memory.SetStateAsync(Alice, id, LifecycleState.Active, "needed again");
        Assert.Equal((LifecycleState.Active, 0), (restored.State, restored.RecallCount));
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, id)).State);
    }

    [Fact]
    public async Task A_reinforcing_search_works_over_a_store_that_does_not_record_recalls()
    {
        // The interface's default RecordRecallsAsync throws NotSupportedException: with ReinforceOnSearch every search that
        // found something failed with it, where a restore already let it pass.
        var store = db.OpenStore();
        var noRecalls = InterceptedStore.Over(store, (method, _) => method switch
        {
            nameof(IMemoryStore.RecordRecallsAsync) => Task.FromException<IReadOnlyList<RecallRecord>>(new NotSupportedException("no recalls here")),
            _ => null,
        });
        await using var memory = new MemoryOS(noRecalls, new Bm25Retriever(store), new MemoryOSOptions { ReinforceOnSearch = true }, timeProvider: clock);
        await memory.CreateCubeAsync(Alice, "notes");
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice plays the cello"))).Id;

        var hit = Assert.Single(await memory.SearchAsync(Alice, "notes", "cello"));

        Assert.Equal(id, hit.Item.Id);
        Assert.Equal(0, (await memory.GetAsync(Alice, id)).RecallCount);
    }

    [Fact]
    public async Task Forgetting_archives_in_batches_and_leaves_what_changed_after_listing_for_the_next_run()
    {
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "many", policy: new CubePolicy { ForgettingThreshold = 0.1 });
        var ids = (await memory.AddBatchAsync(Alice, "many", [.. Enumerable.Range(0, 650).Select(i => new MemoryDraft($"parking note number {i}"))])).Select(o => o.Id).ToList();
        clock.Advance(TimeSpan.FromDays(30));

        // The first progress report comes while the cube is being listed: two listed, faded memories change under the job.
        var listed = ids.Order().ToList();
        var (frozenMeanwhile, purgedMeanwhile) = (listed[0], listed[1]);
        var reports = new List<MaintenanceProgress>();
        var progress = new SynchronousProgress<MaintenanceProgress>(report =>
        {
            // At the first report, on the job's own thread: the memories change while the job runs.
            if (reports.Count == 0)
            {
                memory.SetStateAsync(Alice, frozenMeanwhile, LifecycleState.Frozen, "legal hold").GetAwaiter().GetResult();
                memory.PurgeAsync(Alice, purgedMeanwhile).GetAwaiter().GetResult();
            }

            reports.Add(report);
        });
        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "many", ["forgetting"], progress: progress));

        Assert.Equal((650, 648, 2), (result.Counts["examined"], result.Counts["archived"], result.Counts["conflicts"]));
        Assert.Equal(648, result.Actions.Count);
        Assert.DoesNotContain(result.Actions, a => a.Id == frozenMeanwhile || a.Id == purgedMeanwhile);
        Assert.Equal(LifecycleState.Frozen, (await memory.GetAsync(Alice, frozenMeanwhile)).State);
        var stats = await memory.GetStatsAsync(Alice, "many");
        Assert.Equal(648, stats.ByState[LifecycleState.Archived]);
        Assert.Equal(650 - 1, stats.ByState.Values.Sum());
    }

    [Fact]
    public async Task Forgetting_reports_its_archive_batches_as_they_commit_out_of_a_total_of_listing_and_writing()
    {
        // Only the listing was reported (no total), then nothing until the end: the archive transactions, most of the run,
        // were silent, and a bar drawn from the reports stood still.
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "many", policy: new CubePolicy { ForgettingThreshold = 0.1 });
        await memory.AddBatchAsync(Alice, "many", [.. Enumerable.Range(0, 1200).Select(i => new MemoryDraft($"parking note number {i}"))]);
        clock.Advance(TimeSpan.FromDays(30));
        var reports = new List<MaintenanceProgress>();

        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "many", ["forgetting"], progress: new SynchronousProgress<MaintenanceProgress>(reports.Add)));

        Assert.Equal(1200, result.Counts["archived"]);
        Assert.Equal([200, 400, 600, 800, 1000, 1200], reports.Where(r => r.Total is null).Select(r => r.Done));
        var writing = reports.Where(r => r.Total is not null).ToList();
        Assert.All(writing, r => Assert.Equal(2400, r.Total));
        Assert.Equal([1200, 1700, 2200, 2400], writing.Select(r => r.Done)); // one report a batch of 500, none at the total before the end
        Assert.Equal([0, 500, 1000, 1200], writing.Select(r => r.Counts["archived"]));
    }

    [Fact]
    public async Task A_forgetting_dry_run_reports_its_listing_only_and_ends_at_its_total()
    {
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes", policy: new CubePolicy { ForgettingThreshold = 0.1 });
        await memory.AddBatchAsync(Alice, "notes", [.. Enumerable.Range(0, 3).Select(i => new MemoryDraft($"parking note number {i}"))]);
        clock.Advance(TimeSpan.FromDays(30));
        var reports = new List<MaintenanceProgress>();

        await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "notes", ["forgetting"], dryRun: true, progress: new SynchronousProgress<MaintenanceProgress>(reports.Add));

        Assert.Equal((3, 3, 3), (Assert.Single(reports).Done, reports[0].Total!.Value, reports[0].Counts["archived"]));
    }

    [Fact]
    public async Task A_memory_deleted_or_edited_while_the_forgetting_job_runs_is_left_as_its_writer_made_it()
    {
        // The job archived what it had listed whatever the memory had become: a user's tombstone turned into an archived
        // memory (which a restated fact revives), an edit was archived as faded.
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes", policy: new CubePolicy { ForgettingThreshold = 0.1 });
        var deleted = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice parked on level 3"))).Id;
        var edited = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice's locker is 12"))).Id;
        var faded = (await memory.AddBatchAsync(Alice, "notes", [.. Enumerable.Range(0, 198).Select(i => new MemoryDraft($"parking note number {i}"))])).Select(o => o.Id).ToList();
        clock.Advance(TimeSpan.FromDays(30));

        // The job reports progress every 200 memories listed: with 200, once after listing them all and before writing.
        bool changed = false;
        var progress = new SynchronousProgress<MaintenanceProgress>(report =>
        {
            if (!changed && report.Total is null)
            {
                changed = true;
                memory.DeleteAsync(Alice, deleted, "wrong").GetAwaiter().GetResult();
                memory.UpdateAsync(Alice, edited, new MemoryChange { Text = "Alice's locker is 14" }).GetAwaiter().GetResult();
            }
        });

        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "notes", ["forgetting"], progress: progress));

        Assert.True(changed);
        Assert.Equal((200, 198, 2), (result.Counts["examined"], result.Counts["archived"], result.Counts["conflicts"]));
        Assert.Equal(LifecycleState.Deleted, (await memory.GetAsync(Alice, deleted)).State);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, edited)).State);
        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(Alice, faded[^1])).State);
    }

    [Fact]
    public async Task A_memory_recalled_while_the_forgetting_job_runs_is_judged_again_and_kept()
    {
        // A recall updates the counters in place, without a new version: the job's version check passed and the memory was
        // archived right after it was used, with the stale "retention 0.0498" of its listing as the reason.
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes", policy: new CubePolicy { ForgettingThreshold = 0.1 });
        var ids = (await memory.AddBatchAsync(Alice, "notes", [.. Enumerable.Range(0, 200).Select(i => new MemoryDraft($"parking note number {i}"))])).Select(o => o.Id).ToList();
        clock.Advance(TimeSpan.FromDays(30));

        // The job reports progress every 200 memories listed: with 200, once after listing them all and before writing.
        bool recalled = false;
        var progress = new SynchronousProgress<MaintenanceProgress>(report =>
        {
            if (!recalled && report.Total is null)
            {
                recalled = true;
                memory.RecordRecallAsync(Alice, [ids[0]]).GetAwaiter().GetResult();
            }
        });

        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "notes", ["forgetting"], progress: progress));

        Assert.True(recalled);
        var used = await memory.GetAsync(Alice, ids[0]);
        Assert.Equal((LifecycleState.Active, 1), (used.State, used.RecallCount));
        Assert.Equal((200, 199, 1, 0), (result.Counts["examined"], result.Counts["archived"], result.Counts["kept"], result.Counts["conflicts"]));
        Assert.DoesNotContain(result.Actions, a => a.Id == ids[0]);
        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(Alice, ids[^1])).State);
    }

    [Fact]
    public async Task A_run_that_purges_may_not_look_ahead_but_a_dry_run_or_a_reversible_job_may()
    {
        // "maintain --as-of 2030-01-01" without --dry-run purged, for good, memories a day old whose TTL ends in 30 days.
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes", policy: new CubePolicy { ForgettingThreshold = 0.1, HardDeleteAfterDays = 30 });
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice parked on level 3"))).Id;
        var runner = MaintenanceRunner.CreateDefault();
        var nextYear = clock.GetUtcNow().AddDays(365);

        await Assert.ThrowsAsync<MemoryValidationException>(() => runner.RunAsync(memory, Alice, "notes", asOf: nextYear));
        await Assert.ThrowsAsync<MemoryValidationException>(() => runner.RunAsync(memory, Alice, "notes", [ExpiryJob.JobName], asOf: nextYear));
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, id)).State);

        var preview = await runner.RunAsync(memory, Alice, "notes", [ExpiryJob.JobName], dryRun: true, asOf: nextYear);
        Assert.Equal(1, Assert.Single(preview).Counts["purged"]);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, id)).State);

        // Archiving is a version a state change undoes: forgetting may run as of a later day.
        Assert.Equal(1, Assert.Single(await runner.RunAsync(memory, Alice, "notes", ["forgetting"], asOf: nextYear)).Counts["archived"]);
        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(Alice, id)).State);
    }

    [Fact]
    public async Task The_TTL_keeps_a_frozen_memory_derived_from_an_expired_one_as_it_reports()
    {
        // The sweep counted the frozen summary exempt, and its dry run said one purge, but the purge of its expired source
        // took the summary with it: a legal hold lost to the TTL.
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes", policy: new CubePolicy { HardDeleteAfterDays = 30 });
        var source = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice parked on level 3"))).Id;
        var summary = (await memory.AddAsync(Alice, "notes", new MemoryDraft("summary: Alice parks on level 3") { Links = [new MemoryLink(source, LinkTypes.DerivedFrom)] })).Id;
        await memory.SetStateAsync(Alice, summary, LifecycleState.Frozen, "legal hold");
        clock.Advance(TimeSpan.FromDays(31));
        var runner = MaintenanceRunner.CreateDefault();

        var dry = Assert.Single(await runner.RunAsync(memory, Alice, "notes", [ExpiryJob.JobName], dryRun: true));
        var done = Assert.Single(await runner.RunAsync(memory, Alice, "notes", [ExpiryJob.JobName]));

        Assert.Equal((1, 1), (dry.Counts["purged"], dry.Counts["exempt"]));
        Assert.Equal((1, 1, 0), (done.Counts["purged"], done.Counts["exempt"], done.Counts["conflicts"]));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, source));
        Assert.Equal(LifecycleState.Frozen, (await memory.GetAsync(Alice, summary)).State);
        Assert.Equal(1, (await memory.GetStatsAsync(Alice, "notes")).ByState.Values.Sum());
    }

    [Fact]
    public async Task Only_an_active_memory_is_frozen_so_a_freeze_brings_nothing_back_into_search()
    {
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "notes");
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice parked on level 3"))).Id;
        await memory.SetStateAsync(Alice, id, LifecycleState.Archived, "faded");

        await Assert.ThrowsAsync<MemoryStateException>(() => memory.SetStateAsync(Alice, id, LifecycleState.Frozen, "legal hold"));

        Assert.Empty(await memory.SearchAsync(Alice, "notes", "parked level"));
        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(Alice, id)).State);
    }

    [Fact]
    public async Task A_cube_without_a_forgetting_policy_forgets_nothing_and_bad_thresholds_are_refused()
    {
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(Alice, "keep");
        await memory.AddAsync(Alice, "keep", new MemoryDraft("kept forever"));
        clock.Advance(TimeSpan.FromDays(3650));
        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "keep", ["forgetting"]));
        Assert.Equal((0, 0), (result.Counts["examined"], result.Counts["archived"]));

        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.SetPolicyAsync(Alice, "keep", new CubePolicy { ForgettingThreshold = 1.5 }));
        await Assert.ThrowsAsync<MemoryValidationException>(() => MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "keep", ["defrag"]));
    }
}
