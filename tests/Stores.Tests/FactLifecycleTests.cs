using AgentMem.MemoryCore.Consolidation;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Facts;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore;

namespace AgentMem.Stores.Tests;

public sealed class FactLifecycleTests : IAsyncLifetime
{
    private static readonly Scope Alice = TestDatabase.Alice;
    private readonly ManualTime clock = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly List<MemoryOS> others = [];
    private MemoryOS memory = null!;

    public async Task InitializeAsync()
    {
        memory = InMemoryMemory.Open(time: clock);
        await memory.CreateCubeAsync(Alice, "facts");
    }

    public async Task DisposeAsync()
    {
        foreach (var os in others)
        {
            await os.DisposeAsync();
        }

        await memory.DisposeAsync();
    }

    [Fact]
    public async Task A_supersede_chain_keeps_history_and_the_current_fact_is_its_newest_member()
    {
        var resolver = new FactResolver(memory);
        var a = await resolver.ResolveAsync(Alice, "facts", Draft("Ann lives in Paris."));
        clock.Advance(TimeSpan.FromDays(10));
        var b = await resolver.ResolveAsync(Alice, "facts", Draft("Ann lives in Berlin."));
        clock.Advance(TimeSpan.FromDays(10));
        var c = await resolver.ResolveAsync(Alice, "facts", Draft("Ann lives in Rome."));

        Assert.Equal(FactAction.Add, a.Decision.Action);
        Assert.Equal((FactAction.Update, a.Stored), (b.Decision.Action, b.Invalidated));
        Assert.Equal((FactAction.Update, b.Stored), (c.Decision.Action, c.Invalidated));

        // The current fact of every member of the chain is C.
        foreach (var id in new[] { a.Stored!.Value, b.Stored!.Value, c.Stored!.Value })
        {
            Assert.Equal(c.Stored, (await memory.GetCurrentFactAsync(Alice, id))!.Id);
        }

        var chain = await memory.GetFactChainAsync(Alice, b.Stored.Value);
        Assert.Equal([a.Stored.Value, b.Stored.Value, c.Stored.Value], chain.Select(m => m.Id));
        Assert.Equal([LifecycleState.Superseded, LifecycleState.Superseded, LifecycleState.Active], chain.Select(m => m.State));

        // A's invalidation: event end set to when B became true, reason recorded, linked both ways.
        var old = chain[0];
        Assert.Equal(clock.Now.AddDays(-10), old.ValidTo);
        Assert.Contains("superseded by " + b.Stored, old.StateReason, StringComparison.Ordinal);
        Assert.Contains(old.Links, l => l.Type == LinkTypes.SupersededBy && l.Target == b.Stored);
        Assert.Contains(chain[1].Links, l => l.Type == LinkTypes.Supersedes && l.Target == a.Stored);
        var history = await memory.GetHistoryAsync(Alice, a.Stored.Value);
        Assert.Equal(2, history.Count);
        Assert.Equal("Ann lives in Paris.", history[0].Text);
        Assert.Null(history[0].ValidTo);

        // Default search sees only the current fact; asking for superseded states shows the rest.
        var hits = await memory.SearchAsync(Alice, "facts", "where does Ann live");
        Assert.Equal(c.Stored, Assert.Single(hits).Item.Id);
        var all = await memory.SearchAsync(Alice, "facts", "Ann lives", filter: new MemoryFilter { States = [LifecycleState.Active, LifecycleState.Superseded] });
        Assert.Equal(3, all.Count);
    }

    [Theory]
    [InlineData("My meeting is at 10 pm.", "My meeting is at 10 am.")]
    [InlineData("I live in New York.", "I live in York.")]
    public async Task A_new_value_made_of_the_old_value_s_words_becomes_the_current_fact(string first, string second)
    {
        var resolver = new FactResolver(memory);
        var a = await resolver.ResolveAsync(Alice, "facts", Draft(first));
        var b = await resolver.ResolveAsync(Alice, "facts", Draft(second));

        Assert.Equal((FactAction.Update, a.Stored), (b.Decision.Action, b.Invalidated));
        Assert.Equal(second, (await memory.GetCurrentFactAsync(Alice, a.Stored!.Value))!.Text);
    }

    [Fact]
    public async Task Editing_a_superseded_or_archived_memory_keeps_why_it_is_out_and_a_superseded_text_is_not_rewritten()
    {
        var resolver = new FactResolver(memory);
        var paris = await resolver.ResolveAsync(Alice, "facts", Draft("Ann lives in Paris."));
        await resolver.ResolveAsync(Alice, "facts", Draft("Ann lives in Berlin."));
        var replaced = await memory.GetAsync(Alice, paris.Stored!.Value);
        Assert.StartsWith("superseded by ", replaced.StateReason, StringComparison.Ordinal);

        // A tag edit kept the state but wiped the reason: show, the REST DTO and the tools then said nothing.
        var tagged = await memory.UpdateAsync(Alice, replaced.Id, new MemoryChange { Tags = ["fact", "home"] });
        Assert.Equal((LifecycleState.Superseded, replaced.StateReason, replaced.Version + 1), (tagged.State, tagged.StateReason, tagged.Version));

        // Its text is what the chain's history says was replaced: a new one would put words in its mouth.
        var ex = await Assert.ThrowsAsync<MemoryStateException>(() => memory.UpdateAsync(Alice, replaced.Id, new MemoryChange { Text = "Ann lives in Lyon." }));
        Assert.Contains("superseded", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Restore it", ex.Message, StringComparison.Ordinal);
        Assert.Equal("Ann lives in Paris.", (await memory.GetAsync(Alice, replaced.Id)).Text);

        var faded = (await memory.AddAsync(Alice, "facts", Draft("Ann once owned a red bicycle."))).Id;
        await memory.SetStateAsync(Alice, faded, LifecycleState.Archived, "faded: strength 0.02");
        var edited = await memory.UpdateAsync(Alice, faded, new MemoryChange { Tags = ["fact", "bike"], Text = "Ann once owned a blue bicycle." });
        Assert.Equal((LifecycleState.Archived, "faded: strength 0.02"), (edited.State, edited.StateReason));

        // Restored, it is active and an edit is a plain one.
        await memory.SetStateAsync(Alice, replaced.Id, LifecycleState.Active, "still true");
        var rewritten = await memory.UpdateAsync(Alice, replaced.Id, new MemoryChange { Text = "Ann lives in Lyon." });
        Assert.Equal((LifecycleState.Active, (string?)null, "Ann lives in Lyon."), (rewritten.State, rewritten.StateReason, rewritten.Text));
    }

    [Fact]
    public async Task A_delete_leaves_no_active_fact_and_a_repeat_is_a_noop_that_reinforces()
    {
        var resolver = new FactResolver(memory);
        var cat = await resolver.ResolveAsync(Alice, "facts", Draft("Ann has a cat named Miso."));
        clock.Advance(TimeSpan.FromDays(2));
        var again = await resolver.ResolveAsync(Alice, "facts", Draft("ann has a cat named miso"));
        Assert.Equal((FactAction.Noop, cat.Stored), (again.Decision.Action, again.Stored));
        Assert.Equal(1, (await memory.GetAsync(Alice, cat.Stored!.Value)).RecallCount);

        var turn = await memory.AddAsync(Alice, "facts", new MemoryDraft("user: my cat Miso ran away, I don't have a cat anymore") { Tags = ["turn"] });
        var gone = await resolver.ResolveAsync(Alice, "facts", Draft("Ann doesn't have a cat anymore."), turn.Id);

        Assert.Equal((FactAction.Delete, (MemoryCore.Identity.MemoryId?)null, cat.Stored), (gone.Decision.Action, gone.Stored, gone.Invalidated));
        Assert.Null(await memory.GetCurrentFactAsync(Alice, cat.Stored.Value));
        var old = await memory.GetAsync(Alice, cat.Stored.Value);
        Assert.Equal(LifecycleState.Superseded, old.State);
        Assert.Equal(clock.Now, old.ValidTo);
        Assert.StartsWith("invalidated: \"Ann doesn't have a cat anymore.\"", old.StateReason, StringComparison.Ordinal);
        Assert.Contains(old.Links, l => l.Type == LinkTypes.InvalidatedBy && l.Target == turn.Id);
        Assert.DoesNotContain(await memory.SearchAsync(Alice, "facts", "cat Miso"), h => h.Item.Tags.Contains("fact"));
    }

    [Fact]
    public async Task Restating_a_forgotten_fact_restores_it()
    {
        var resolver = new FactResolver(memory);
        var first = await resolver.ResolveAsync(Alice, "facts", Draft("Ann's locker code is 4711."));
        await memory.SetStateAsync(Alice, first.Stored!.Value, LifecycleState.Archived, "forgotten: test");

        var again = await resolver.ResolveAsync(Alice, "facts", Draft("Ann's locker code is 4711."));

        Assert.Equal((FactAction.Add, first.Stored), (again.Decision.Action, again.Stored));
        var item = await memory.GetAsync(Alice, first.Stored.Value);
        Assert.Equal((LifecycleState.Active, 1), (item.State, item.RecallCount));
    }

    [Fact]
    public async Task An_update_to_a_text_already_stored_but_forgotten_makes_that_memory_the_current_fact()
    {
        var resolver = new FactResolver(memory);
        var paris = await resolver.ResolveAsync(Alice, "facts", Draft("Ann lives in Paris."));
        await memory.SetStateAsync(Alice, paris.Stored!.Value, LifecycleState.Archived, "forgotten: test");
        clock.Advance(TimeSpan.FromDays(5));
        var berlin = await resolver.ResolveAsync(Alice, "facts", Draft("Ann lives in Berlin."));
        Assert.Equal(FactAction.Add, berlin.Decision.Action); // an archived fact is no candidate
        clock.Advance(TimeSpan.FromDays(5));

        // Paris again: the rule classifier updates Berlin, and the store de-duplicates the text to the archived memory.
        var back = await resolver.ResolveAsync(Alice, "facts", Draft("Ann lives in Paris."));

        Assert.Equal((FactAction.Update, paris.Stored, berlin.Stored), (back.Decision.Action, back.Stored, back.Invalidated));
        var current = await memory.GetAsync(Alice, paris.Stored.Value);
        Assert.Equal(LifecycleState.Active, current.State);
        Assert.Contains(current.Links, l => l.Type == LinkTypes.Supersedes && l.Target == berlin.Stored);
        Assert.Equal(LifecycleState.Superseded, (await memory.GetAsync(Alice, berlin.Stored!.Value)).State);
        Assert.Equal(paris.Stored, (await memory.GetCurrentFactAsync(Alice, berlin.Stored.Value))!.Id);
        Assert.Equal(paris.Stored, Assert.Single(await memory.SearchAsync(Alice, "facts", "where does Ann live")).Item.Id);
    }

    [Fact]
    public async Task An_update_whose_text_is_its_target_s_own_changes_nothing()
    {
        var paris = await memory.AddAsync(Alice, "facts", Draft("Ann lives in Paris."));
        var same = new FixedClassifier(new FactDecision(FactAction.Update, paris.Id, "restated", "fixed"));

        var outcome = await new FactResolver(memory, same).ResolveAsync(Alice, "facts", Draft("Ann lives in Paris."));

        Assert.Equal((FactAction.Noop, paris.Id, (MemoryCore.Identity.MemoryId?)null), (outcome.Decision.Action, outcome.Stored, outcome.Invalidated));
        var item = await memory.GetAsync(Alice, paris.Id);
        Assert.Equal(LifecycleState.Active, item.State);
        Assert.DoesNotContain(item.Links, l => l.Target == paris.Id);
        Assert.Equal(paris.Id, (await memory.GetCurrentFactAsync(Alice, paris.Id))!.Id);
    }

    [Fact]
    public async Task An_update_cancelled_once_its_new_fact_is_stored_still_supersedes_the_old_one()
    {
        // The cancellation landed between the add and the supersede: both facts stayed current.
        using var cancel = new CancellationTokenSource();
        var (racing, paris) = await RacingAfterAddAsync((_, _) => { cancel.Cancel(); return Task.CompletedTask; });

        var berlin = await new FactResolver(racing).ResolveAsync(Alice, "facts", Draft("Ann lives in Berlin."), cancellationToken: cancel.Token);

        Assert.True(cancel.IsCancellationRequested);
        Assert.Equal((FactAction.Update, paris), (berlin.Decision.Action, berlin.Invalidated));
        var chain = await racing.GetFactChainAsync(Alice, paris);
        Assert.Equal([paris, berlin.Stored!.Value], chain.Select(m => m.Id));
        Assert.Equal([LifecycleState.Superseded, LifecycleState.Active], chain.Select(m => m.State));
    }

    [Fact]
    public async Task An_update_whose_old_fact_is_superseded_meanwhile_stands()
    {
        var (racing, paris) = await RacingAfterAddAsync((os, old) => os.SupersedeAsync(Alice, old, "another update"));

        var berlin = await new FactResolver(racing).ResolveAsync(Alice, "facts", Draft("Ann lives in Berlin."));

        Assert.Equal((FactAction.Update, paris), (berlin.Decision.Action, berlin.Invalidated));
        Assert.Equal(LifecycleState.Superseded, (await racing.GetAsync(Alice, paris)).State);
        Assert.Equal(LifecycleState.Active, (await racing.GetAsync(Alice, berlin.Stored!.Value)).State);
    }

    [Fact]
    public async Task An_update_whose_old_fact_is_frozen_meanwhile_becomes_an_add_without_the_supersedes_link()
    {
        var (racing, paris) = await RacingAfterAddAsync((os, old) => os.SetStateAsync(Alice, old, LifecycleState.Frozen, "verified"));

        var berlin = await new FactResolver(racing).ResolveAsync(Alice, "facts", Draft("Ann lives in Berlin."));

        Assert.Equal((FactAction.Add, (MemoryCore.Identity.MemoryId?)null), (berlin.Decision.Action, berlin.Invalidated));
        Assert.Contains("frozen", berlin.Decision.Reason, StringComparison.Ordinal);
        Assert.Equal(LifecycleState.Frozen, (await racing.GetAsync(Alice, paris)).State);
        var added = await racing.GetAsync(Alice, berlin.Stored!.Value);
        Assert.Equal(LifecycleState.Active, added.State);
        Assert.DoesNotContain(added.Links, l => l.Type == LinkTypes.Supersedes);
        Assert.Equal([added.Id], (await racing.GetFactChainAsync(Alice, added.Id)).Select(m => m.Id));
    }

    [Fact]
    public async Task An_update_whose_old_fact_is_purged_meanwhile_becomes_an_add()
    {
        // A TTL purge or a forget between the add and the supersede: the new fact was stored, yet the update threw NotFound.
        var (racing, paris) = await RacingAfterAddAsync((os, old) => os.PurgeAsync(Alice, old, "gdpr"));

        var berlin = await new FactResolver(racing).ResolveAsync(Alice, "facts", Draft("Ann lives in Berlin."));

        Assert.Equal((FactAction.Add, (MemoryCore.Identity.MemoryId?)null), (berlin.Decision.Action, berlin.Invalidated));
        Assert.Contains("purged", berlin.Decision.Reason, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MemoryCore.Errors.MemoryNotFoundException>(() => racing.GetAsync(Alice, paris));
        var added = await racing.GetAsync(Alice, berlin.Stored!.Value);
        Assert.Equal(LifecycleState.Active, added.State);
        Assert.DoesNotContain(added.Links, l => l.Type == LinkTypes.Supersedes);
    }

    [Fact]
    public async Task An_update_whose_old_fact_is_purged_while_it_is_classified_becomes_an_add()
    {
        // The purge lands before the add (the classifier is an LLM call of seconds): the Supersedes link the resolver adds
        // names a memory no longer stored, which must not refuse the new fact.
        var paris = await memory.AddAsync(Alice, "facts", Draft("Ann lives in Paris."));
        var purging = new PurgingClassifier(memory, Alice, paris.Id);

        var berlin = await new FactResolver(memory, purging).ResolveAsync(Alice, "facts", Draft("Ann lives in Berlin."));

        Assert.Equal((FactAction.Add, (MemoryCore.Identity.MemoryId?)null), (berlin.Decision.Action, berlin.Invalidated));
        Assert.Contains("purged", berlin.Decision.Reason, StringComparison.Ordinal);
        var added = await memory.GetAsync(Alice, berlin.Stored!.Value);
        Assert.Equal("Ann lives in Berlin.", added.Text);
        Assert.DoesNotContain(added.Links, l => l.Type == LinkTypes.Supersedes);
    }

    [Fact]
    public async Task Decisions_naming_unknown_or_frozen_facts_become_adds()
    {
        var frozen = await memory.AddAsync(Alice, "facts", Draft("Ann lives in Paris."));
        await memory.SetStateAsync(Alice, frozen.Id, LifecycleState.Frozen, "verified");

        var update = await new FactResolver(memory).ResolveAsync(Alice, "facts", Draft("Ann lives in Oslo."));
        Assert.Equal(FactAction.Add, update.Decision.Action);
        Assert.Contains("frozen", update.Decision.Reason, StringComparison.Ordinal);
        Assert.Equal(LifecycleState.Frozen, (await memory.GetAsync(Alice, frozen.Id)).State);

        var rogue = new FixedClassifier(new FactDecision(FactAction.Delete, MemoryCore.Identity.MemoryId.NewId(), "trust me", "fixed"));
        var outcome = await new FactResolver(memory, rogue).ResolveAsync(Alice, "facts", Draft("Ann lives in Oslo and Rome."));
        Assert.Equal(FactAction.Add, outcome.Decision.Action);
        Assert.NotNull(outcome.Stored);
    }

    [Fact]
    public async Task Consolidation_merges_near_duplicates_into_the_fuller_one_and_leaves_the_rest()
    {
        var shortOne = await memory.AddAsync(Alice, "facts", Draft("Ann adopted a grey cat named Miso") with { Tags = ["pets"], Actor = "Ann", Importance = 0.9 });
        clock.Advance(TimeSpan.FromHours(1));
        var longOne = await memory.AddAsync(Alice, "facts", Draft("Ann adopted a grey cat named Miso yesterday") with { Tags = ["fact"], Actor = "Ann" });
        var otherActor = await memory.AddAsync(Alice, "facts", Draft("Ann adopted a grey cat named Miso.") with { Actor = "Bob" });
        var turn = await memory.AddAsync(Alice, "facts", new MemoryDraft("Ann adopted a grey cat called Miso!") { Actor = "Ann", Tags = ["turn"] });
        var frozen = await memory.AddAsync(Alice, "facts", Draft("Ann adopted the grey cat named Miso") with { Actor = "Ann" });
        await memory.SetStateAsync(Alice, frozen.Id, LifecycleState.Frozen);

        var job = new ConsolidationJob();
        var dry = await job.RunAsync(new MaintenanceContext(memory, Alice, await memory.OpenCubeAsync(Alice, "facts"), clock.Now, DryRun: true));
        Assert.Equal(1, dry.Counts["merged"]);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, shortOne.Id)).State);

        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "facts", ["consolidation"]));
        var merge = Assert.Single(result.Actions);
        Assert.Equal((shortOne.Id, longOne.Id), (merge.Id!.Value, merge.Other!.Value));

        var absorbed = await memory.GetAsync(Alice, shortOne.Id);
        Assert.Equal(LifecycleState.Superseded, absorbed.State);
        Assert.Null(absorbed.ValidTo); // merged, not contradicted
        Assert.StartsWith($"consolidated into {longOne.Id}", absorbed.StateReason, StringComparison.Ordinal);
        var survivor = await memory.GetAsync(Alice, longOne.Id);
        Assert.Equal(2, survivor.Version);
        Assert.Equal(["fact", "pets"], survivor.Tags.Order());
        Assert.Equal(0.9, survivor.Importance);
        Assert.Equal(absorbed.ValidFrom, survivor.ValidFrom);
        Assert.Contains(survivor.Links, l => l.Type == LinkTypes.Supersedes && l.Target == shortOne.Id);
        Assert.Equal(longOne.Id, (await memory.GetCurrentFactAsync(Alice, shortOne.Id))!.Id);
        foreach (var untouched in new[] { otherActor.Id, turn.Id })
        {
            Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, untouched)).State);
        }

        Assert.Equal(LifecycleState.Frozen, (await memory.GetAsync(Alice, frozen.Id)).State);
        Assert.Equal(0, Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "facts", ["consolidation"])).Counts["merged"]);
    }

    [Fact]
    public async Task Consolidation_keeps_the_newer_of_two_near_duplicates_with_as_many_terms()
    {
        // The correction is one character shorter: a tie broken by text length kept the stale gate.
        var older = await memory.AddAsync(Alice, "facts", Draft("My flight to Paris on Friday leaves from gate 12 at terminal two in the morning"));
        clock.Advance(TimeSpan.FromHours(1));
        var newer = await memory.AddAsync(Alice, "facts", Draft("My flight to Paris on Friday leaves from gate 7 at terminal two in the morning"));

        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "facts", ["consolidation"]));

        Assert.Equal(1, result.Counts["merged"]);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, newer.Id)).State);
        Assert.Equal(LifecycleState.Superseded, (await memory.GetAsync(Alice, older.Id)).State);
    }

    [Fact]
    public async Task Consolidation_writes_merges_in_batches_and_skips_only_the_merge_that_meets_a_changed_memory()
    {
        // 300 pairs of restatements, more than one batch of pairs; the first pair's first memory is frozen after the
        // pairs are found, so the first batch fails as a whole and is redone one merge at a time.
        var drafts = Enumerable.Range(0, 300).SelectMany(k => new[]
        {
            Draft($"Person{k} adopted a grey cat named Miso{k}"),
            Draft($"Person{k} adopted a grey cat named Miso{k} yesterday"),
        }).ToList();
        await memory.AddBatchAsync(Alice, "facts", drafts);
        var listed = new List<MemoryItem>();
        await foreach (var item in memory.ListAsync(Alice, "facts"))
        {
            listed.Add(item);
        }

        var first = listed.OrderBy(i => i.Id).First();
        bool reported = false;
        var progress = new SynchronousProgress<MaintenanceProgress>(report =>
        {
            // At the first report with a total (after pairing, before any write), on the job's own thread: the memory
            // changes while the job runs.
            if (!reported && report.Total is not null)
            {
                reported = true;
                memory.SetStateAsync(Alice, first.Id, LifecycleState.Frozen, "legal hold").GetAwaiter().GetResult();
            }
        });
        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "facts", ["consolidation"], progress: progress));

        Assert.Equal((299, 1), (result.Counts["merged"], result.Counts["conflicts"]));
        var states = new Dictionary<LifecycleState, int>();
        await foreach (var item in memory.ListAsync(Alice, "facts", new MemoryFilter { States = Enum.GetValues<LifecycleState>() }))
        {
            states[item.State] = states.GetValueOrDefault(item.State) + 1;
            if (item.State == LifecycleState.Superseded)
            {
                var survivor = await memory.GetAsync(Alice, Assert.Single(item.Links, l => l.Type == LinkTypes.SupersededBy).Target);
                Assert.Equal(2, survivor.Version);
                Assert.Contains(survivor.Links, l => l.Type == LinkTypes.Supersedes && l.Target == item.Id);
                Assert.EndsWith(" yesterday", survivor.Text, StringComparison.Ordinal);
            }
        }

        Assert.Equal(new Dictionary<LifecycleState, int> { [LifecycleState.Active] = 300, [LifecycleState.Superseded] = 299, [LifecycleState.Frozen] = 1 }, states);
        Assert.DoesNotContain(result.Actions, a => a.Id == first.Id || a.Other == first.Id);
    }

    [Fact]
    public async Task Consolidation_reports_its_listing_and_each_batch_of_merges_without_reading_done_before_the_end()
    {
        // The first report came after pairing and already said done == total, and every batch repeated it: a bar read 100%
        // for the whole write phase, and nothing was reported while the cube was listed.
        await memory.AddBatchAsync(Alice, "facts", [.. Enumerable.Range(0, 300).SelectMany(k => new[]
        {
            Draft($"Person{k} adopted a grey cat named Miso{k}"),
            Draft($"Person{k} adopted a grey cat named Miso{k} yesterday"),
        })]);
        var reports = new List<MaintenanceProgress>();

        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "facts", ["consolidation"], progress: new SynchronousProgress<MaintenanceProgress>(reports.Add)));

        Assert.Equal(300, result.Counts["merged"]);
        Assert.Equal([200, 400, 600], reports.Where(r => r.Total is null).Select(r => r.Done));
        var writing = reports.Where(r => r.Total is not null).ToList();
        Assert.All(writing, r => Assert.Equal(900, r.Total)); // 600 listed, 300 pairs
        Assert.Equal([600, 850, 900], writing.Select(r => r.Done)); // one report a batch of 250 pairs, none at the total before the end
        Assert.Equal([0, 250, 300], writing.Select(r => r.Counts["merged"]));
    }

    [Fact]
    public async Task Consolidation_leaves_a_pair_whose_memory_was_edited_or_archived_after_pairing()
    {
        // The merge planned on each memory as it was at the write: an edit made after pairing was superseded as a
        // "near-duplicate" (its new content gone from retrieval), an archived survivor was updated and absorbed a live one.
        var edited = await memory.AddAsync(Alice, "facts", Draft("Ann adopted a grey cat named Miso") with { Actor = "Ann" });
        var itsPair = await memory.AddAsync(Alice, "facts", Draft("Ann adopted a grey cat named Miso yesterday") with { Actor = "Ann" });
        var dropped = await memory.AddAsync(Alice, "facts", Draft("Bob parked the blue van on level three") with { Actor = "Bob" });
        var archived = await memory.AddAsync(Alice, "facts", Draft("Bob parked the blue van on level three today") with { Actor = "Bob" });
        bool changed = false;
        var progress = new SynchronousProgress<MaintenanceProgress>(_ =>
        {
            if (!changed)
            {
                changed = true; // the first report comes after pairing, before any write
                memory.UpdateAsync(Alice, edited.Id, new MemoryChange { Text = "Ann's passport number is X123" }).GetAwaiter().GetResult();
                memory.SetStateAsync(Alice, archived.Id, LifecycleState.Archived, "faded").GetAwaiter().GetResult();
            }
        });

        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "facts", ["consolidation"], progress: progress));

        Assert.True(changed);
        Assert.Equal((0, 2), (result.Counts["merged"], result.Counts["conflicts"]));
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, edited.Id)).State);
        Assert.Equal(1, (await memory.GetAsync(Alice, itsPair.Id)).Version);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, dropped.Id)).State);
        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(Alice, archived.Id)).State);
        Assert.Single(await memory.SearchAsync(Alice, "facts", "passport X123"));
    }

    [Fact]
    public async Task A_survivor_absorbs_its_second_near_duplicate_when_a_batch_is_redone_one_merge_at_a_time()
    {
        // The version check took the survivor's first merge, written moments before in the same run, for someone else's
        // change: in a batch redone one merge at a time (or a later batch), its second merge was counted a conflict.
        var keep = await memory.AddAsync(Alice, "facts", Draft("Ann adopted a grey cat named Miso yesterday at the shelter") with { Actor = "Ann" });
        var a = await memory.AddAsync(Alice, "facts", Draft("Ann adopted a grey cat named Miso yesterday") with { Actor = "Ann" });
        var b = await memory.AddAsync(Alice, "facts", Draft("Ann adopted a grey cat named Miso at the shelter") with { Actor = "Ann" });
        var edited = await memory.AddAsync(Alice, "facts", Draft("Bob parked the blue van on level three") with { Actor = "Bob" });
        await memory.AddAsync(Alice, "facts", Draft("Bob parked the blue van on level three today") with { Actor = "Bob" });
        bool changed = false;
        var progress = new SynchronousProgress<MaintenanceProgress>(_ =>
        {
            if (!changed)
            {
                changed = true; // after pairing: the batch fails on this memory and is redone merge by merge
                memory.UpdateAsync(Alice, edited.Id, new MemoryChange { Text = "Bob's locker code is 4417" }).GetAwaiter().GetResult();
            }
        });

        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "facts", ["consolidation"], progress: progress));

        Assert.Equal((2, 1), (result.Counts["merged"], result.Counts["conflicts"]));
        Assert.Equal(LifecycleState.Superseded, (await memory.GetAsync(Alice, a.Id)).State);
        Assert.Equal(LifecycleState.Superseded, (await memory.GetAsync(Alice, b.Id)).State);
        Assert.Equal(3, (await memory.GetAsync(Alice, keep.Id)).Version);
    }

    [Fact]
    public async Task Consolidation_does_not_merge_the_same_words_about_different_days_or_of_opposite_polarity()
    {
        await memory.AddAsync(Alice, "facts", Draft("Ann went running in the park") with { ValidFrom = clock.Now.AddDays(-7) });
        await memory.AddAsync(Alice, "facts", Draft("Ann went running in the park") with { ValidFrom = clock.Now });
        await memory.AddAsync(Alice, "facts", Draft("Ann never went running in the park") with { ValidFrom = clock.Now });
        await memory.AddAsync(Alice, "facts", Draft("I can attend the meeting on Friday") with { ValidFrom = clock.Now });
        await memory.AddAsync(Alice, "facts", Draft("I cannot attend the meeting on Friday") with { ValidFrom = clock.Now });
        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, Alice, "facts", ["consolidation"]));
        Assert.Equal(0, result.Counts["merged"]);
    }

    /// <summary>
    /// A facade whose store runs <paramref name="afterAdd"/> once, when the first add after "Ann lives in Paris." (stored
    /// here, the returned id) has committed: what happens between an update's add and its supersede.
    /// </summary>
    private async Task<(MemoryOS Racing, MemoryCore.Identity.MemoryId Paris)> RacingAfterAddAsync(Func<MemoryOS, MemoryCore.Identity.MemoryId, Task> afterAdd)
    {
        var inner = new Stores.InMemory.InMemoryMemoryStore();
        MemoryOS racing = null!;
        MemoryCore.Identity.MemoryId paris = default;
        bool armed = false;
        var store = InterceptedStore.Over(inner, (method, args) =>
        {
            if (method != nameof(IMemoryStore.AddAsync) || !armed)
            {
                return null;
            }

            armed = false;
            return AddThenAsync();

            async Task<IReadOnlyList<AddOutcome>> AddThenAsync()
            {
                var outcomes = await inner.AddAsync((string)args[0]!, (IReadOnlyList<MemoryItem>)args[1]!, (AddOptions)args[2]!, (AuditRecord)args[3]!, (CancellationToken)args[4]!);
                await afterAdd(racing, paris);
                return outcomes;
            }
        });
        racing = new MemoryOS(store, new Retrieval.Lexical.Bm25Retriever(store), timeProvider: clock);
        others.Add(racing);
        await racing.CreateCubeAsync(Alice, "facts");
        paris = (await racing.AddAsync(Alice, "facts", Draft("Ann lives in Paris."))).Id;
        armed = true;
        return (racing, paris);
    }

    private static MemoryDraft Draft(string text) => new(text) { Tags = ["fact"], Source = SourceKind.Agent };

    private sealed class PurgingClassifier(MemoryOS os, Scope actor, MemoryCore.Identity.MemoryId target) : IFactClassifier
    {
        public string Name => "purging";

        public async Task<FactDecision> ClassifyAsync(string fact, IReadOnlyList<MemoryItem> candidates, CancellationToken cancellationToken = default)
        {
            await os.PurgeAsync(actor, target, "gdpr", cancellationToken);
            return new FactDecision(FactAction.Update, target, "the same place, moved", Name);
        }
    }

    private sealed class FixedClassifier(FactDecision decision) : IFactClassifier
    {
        public string Name => "fixed";

        public Task<FactDecision> ClassifyAsync(string fact, IReadOnlyList<MemoryItem> candidates, CancellationToken cancellationToken = default) => Task.FromResult(decision);
    }
}
