using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Consolidation;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Facts;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Notes;
using AgentMem.MemoryCore.Time;

namespace AgentMem.Stores.Tests;

/// <summary>Zettelkasten notes on a real store: attributes, typed links with reasons, evolution as versions.</summary>
public sealed class NoteKeeperTests
{
    private static readonly DateTimeOffset May8 = ConversationDate.Parse("1:56 pm on 8 May, 2023");

    [Fact]
    public async Task Notes_get_attributes_and_links_and_neighbours_evolve_as_new_versions()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        using var keeper = new NoteKeeper(memory, options: new NoteKeeperOptions { MinLinkScore = 1.0 });

        var first = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("We took the kids camping at Lake Tahoe yesterday.") { Actor = "Melanie", ValidFrom = May8 });
        Assert.Empty(first.Links);
        var stored = await memory.GetAsync(TestDatabase.Alice, first.Added.Id);
        Assert.Contains("lake tahoe", stored.Keywords);
        Assert.Contains("yesterday = 7 May 2023", stored.Context, StringComparison.Ordinal);
        Assert.NotEmpty(stored.Tags);

        await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("The stock market fell sharply on Tuesday.") { Actor = "News" });
        var second = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Camping at Lake Tahoe again, the kids loved the campfire.") { Actor = "Melanie", ValidFrom = May8.AddDays(30) });

        var link = Assert.Single(second.Links);
        Assert.Equal(first.Added.Id, link.Target);
        Assert.Equal(LinkTypes.Elaborates, link.Type);
        Assert.Contains("tahoe", link.Reason, StringComparison.Ordinal);
        Assert.InRange(link.Weight, 0.05, 1.0);
        Assert.Equal(1, second.Evolved);

        // The neighbour got the back-link as a new version whose reason says why; version 1 is kept.
        var evolved = await memory.GetAsync(TestDatabase.Alice, first.Added.Id);
        Assert.Equal(2, evolved.Version);
        var back = Assert.Single(evolved.Links);
        Assert.Equal(second.Added.Id, back.Target);
        var history = await memory.GetHistoryAsync(TestDatabase.Alice, first.Added.Id);
        Assert.Contains(history, h => h.StateReason is { } r && r.StartsWith("evolved: linked from " + second.Added.Id, StringComparison.Ordinal));

        var hood = await keeper.GetNeighborhoodAsync(TestDatabase.Alice, second.Added.Id);
        Assert.Equal(first.Added.Id, Assert.Single(hood.Neighbours).Target.Id);
        Assert.Equal(first.Added.Id, Assert.Single(hood.LinkedFrom).Source.Id);
    }

    [Fact]
    public async Task Without_evolution_a_new_note_links_to_its_neighbours_and_writes_none_of_them()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        using var keeper = new NoteKeeper(memory, options: new NoteKeeperOptions { MinLinkScore = 1.0, Evolve = false });
        var first = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("We took the kids camping at Lake Tahoe yesterday.") { Actor = "Melanie", ValidFrom = May8 });

        var second = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Camping at Lake Tahoe again, the kids loved the campfire.") { Actor = "Melanie", ValidFrom = May8.AddDays(30) });
        Assert.Equal(first.Added.Id, Assert.Single(second.Links).Target);
        Assert.Equal(0, second.Evolved);
        var neighbour = await memory.GetAsync(TestDatabase.Alice, first.Added.Id);
        Assert.Equal((1, 0), (neighbour.Version, neighbour.Links.Count));

        // Linking a plain memory leaves its neighbours as they are too.
        var plain = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Melanie says Lake Tahoe camping is the kids' favourite.") { Actor = "Melanie" });
        var linked = await keeper.LinkExistingAsync(TestDatabase.Alice, plain.Id);
        Assert.NotNull(linked);
        Assert.NotEmpty(linked.Links);
        Assert.Equal(0, linked.Evolved);
        foreach (var link in linked.Links)
        {
            Assert.DoesNotContain((await memory.GetAsync(TestDatabase.Alice, link.Target)).Links, l => l.Target == plain.Id);
        }

        Assert.Equal(1, (await memory.GetAsync(TestDatabase.Alice, first.Added.Id)).Version);
    }

    [Fact]
    public async Task A_note_the_draft_links_to_already_is_not_suggested_again_and_leaves_the_slot_to_another()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        using var keeper = new NoteKeeper(memory, options: new NoteKeeperOptions { MinLinkScore = 1.0, MaxLinks = 1 });
        var tahoe = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("We took the kids camping at Lake Tahoe yesterday.") { Actor = "Melanie", ValidFrom = May8 });
        var campfire = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("The kids sang songs at the campfire.") { Actor = "Melanie", ValidFrom = May8 });

        var mine = new MemoryLink(tahoe.Added.Id, LinkTypes.RelatesTo, 1.0, "mine");
        var added = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Camping at Lake Tahoe again, the kids loved the campfire.") { Actor = "Melanie", ValidFrom = May8.AddDays(30), Links = [mine] });

        Assert.Equal(campfire.Added.Id, Assert.Single(added.Links).Target);
        var stored = await memory.GetAsync(TestDatabase.Alice, added.Added.Id);
        Assert.Equal([tahoe.Added.Id, campfire.Added.Id], stored.Links.Select(l => l.Target));
        Assert.Equal(mine, stored.Links[0]);
    }

    [Fact]
    public async Task A_neighbourhood_counts_links_into_unreadable_cubes_instead_of_failing()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        var bob = new Scope("acme", "bob");
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        await memory.SetGrantsAsync(TestDatabase.Alice, "notes", [new CubeGrant("bob", null, CubeAccess.Read)]);
        await memory.CreateCubeAsync(bob, "private");
        var secret = (await memory.AddAsync(bob, "private", new MemoryDraft("Bob's surprise party is on Friday"))).Id;
        var plan = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Something is planned for Friday"))).Id;

        // Alice links to Bob's memory while she may read his cube (a link needs that), and then he takes the grant back.
        await memory.SetGrantsAsync(bob, "private", [new CubeGrant("alice", null, CubeAccess.Read)]);
        var pointer = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Friday plans")
        {
            Links = [new MemoryLink(secret, LinkTypes.RelatesTo), new MemoryLink(plan, LinkTypes.RelatesTo)],
        })).Id;
        await memory.SetGrantsAsync(bob, "private", []);
        using var keeper = new NoteKeeper(memory);

        var alices = await keeper.GetNeighborhoodAsync(TestDatabase.Alice, pointer);
        Assert.Equal((plan, 1), (Assert.Single(alices.Neighbours).Target.Id, alices.Hidden));
        var bobs = await keeper.GetNeighborhoodAsync(bob, pointer);
        Assert.Equal((2, 0), (bobs.Neighbours.Count, bobs.Hidden));
        Assert.Equal(pointer, Assert.Single((await keeper.GetNeighborhoodAsync(TestDatabase.Alice, plan)).LinkedFrom).Source.Id);

        // Incoming links come from the note's own cube: Bob's secret does not show Alice's pointer.
        Assert.Empty((await keeper.GetNeighborhoodAsync(bob, secret)).LinkedFrom);
    }

    [Fact]
    public async Task A_negated_restatement_is_linked_as_a_contradiction()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        using var keeper = new NoteKeeper(memory, options: new NoteKeeperOptions { MinLinkScore = 1.0 });
        var likes = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("My sister Alice loves the sushi at Tokyo Garden.") { Actor = "Bob" });
        var stopped = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("My sister Alice no longer eats the sushi at Tokyo Garden.") { Actor = "Bob" });
        var link = Assert.Single(stopped.Links);
        Assert.Equal(likes.Added.Id, link.Target);
        Assert.Equal(LinkTypes.Contradicts, link.Type);
        Assert.Equal(LinkTypes.Contradicts, Assert.Single((await memory.GetAsync(TestDatabase.Alice, likes.Added.Id)).Links).Type);
    }

    [Fact]
    public async Task Evolution_spreads_topic_tags_not_the_tags_that_say_what_a_memory_is()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        using var keeper = new NoteKeeper(memory, options: new NoteKeeperOptions { MinLinkScore = 1.0 });
        var turn = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("We took the kids camping at Lake Tahoe yesterday.") { Actor = "Melanie", ValidFrom = May8, Tags = ["turn"] });
        var fact = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Melanie took the kids camping at Lake Tahoe.") { Actor = "Melanie", ValidFrom = May8, Tags = ["fact"] });

        Assert.Equal(turn.Added.Id, Assert.Single(fact.Links).Target);
        var evolved = await memory.GetAsync(TestDatabase.Alice, turn.Added.Id);
        Assert.Equal(fact.Added.Id, Assert.Single(evolved.Links).Target);
        Assert.Contains("turn", evolved.Tags);
        Assert.DoesNotContain("fact", evolved.Tags);
    }

    [Fact]
    public async Task Evolution_compares_tags_ignoring_case_so_a_free_slot_goes_to_a_tag_the_neighbour_lacks()
    {
        // Tags compare without case everywhere else: the neighbour's "Travel" counted as missing "travel", took the one
        // free slot (then dropped as its duplicate) and the version said "tags += travel" while "food" was never added.
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        var options = new NoteKeeperOptions { MinLinkScore = 1.0, EvolveMinWeight = 0, MaxTags = 6 };
        var full = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("We took the kids camping at Lake Tahoe yesterday.")
        {
            Actor = "Melanie",
            Tags = ["Travel", "kids", "outdoors", "summer", "family"],
            Keywords = ["lake tahoe", "camping"],
        });
        using (var keeper = new NoteKeeper(memory, new FixedTags(["travel", "food"]), options))
        {
            var note = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Camping at Lake Tahoe again, the kids loved the campfire food.") { Actor = "Melanie" });
            Assert.Equal(full.Id, Assert.Single(note.Links).Target);
        }

        var evolved = await memory.GetAsync(TestDatabase.Alice, full.Id);
        Assert.Equal(["Travel", "kids", "outdoors", "summer", "family", "food"], evolved.Tags);
        var why = Assert.Single(await memory.GetHistoryAsync(TestDatabase.Alice, full.Id), h => h.Version == 1).StateReason; // a change's reason is kept on the version it superseded
        Assert.EndsWith("; tags += food", why, StringComparison.Ordinal);

        // A topic the neighbour has in another case is no gain: the back-link is the only change.
        var one = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Dave restored a vintage Ford Mustang with his dad.") { Actor = "Dave", Tags = ["Cars"], Keywords = ["ford mustang"] });
        using (var keeper = new NoteKeeper(memory, new FixedTags(["cars"]), options))
        {
            var note = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("The Ford Mustang restoration needed a new engine.") { Actor = "Dave" });
            Assert.Equal(one.Id, Assert.Single(note.Links).Target);
        }

        var linked = await memory.GetAsync(TestDatabase.Alice, one.Id);
        Assert.Equal(["Cars"], linked.Tags);
        Assert.Single(linked.Links);
        Assert.DoesNotContain("tags +=", Assert.Single(await memory.GetHistoryAsync(TestDatabase.Alice, one.Id), h => h.Version == 1).StateReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_full_of_relative_dates_still_becomes_a_note()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        await memory.CreateCubeAsync(TestDatabase.Alice, "plain");
        using var keeper = new NoteKeeper(memory);
        string text = string.Join(" ", Enumerable.Repeat("today", 3500));

        var note = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(text) { ValidFrom = May8 });
        Assert.Contains("today = 8 May 2023", (await memory.GetAsync(TestDatabase.Alice, note.Added.Id)).Context, StringComparison.Ordinal);

        // The maintenance path builds the same context for a memory stored without a note.
        var plain = await memory.AddAsync(TestDatabase.Alice, "plain", new MemoryDraft(text) { ValidFrom = May8 });
        Assert.NotNull(await keeper.LinkExistingAsync(TestDatabase.Alice, plain.Id));
        Assert.Contains("today = 8 May 2023", (await memory.GetAsync(TestDatabase.Alice, plain.Id)).Context, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adding_a_note_and_linking_a_plain_memory_build_the_same_note()
    {
        // Neither a time nor a speaker given: both paths date the text by when it is recorded and name its writer.
        await using var db = new TestDatabase();
        var clock = new ManualTime(May8);
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        await memory.CreateCubeAsync(TestDatabase.Alice, "plain");
        using var keeper = new NoteKeeper(memory);
        var draft = new MemoryDraft("We went hiking in the hills yesterday.");

        var added = await memory.GetAsync(TestDatabase.Alice, (await keeper.AddAsync(TestDatabase.Alice, "notes", draft)).Added.Id);
        var plain = await memory.AddAsync(TestDatabase.Alice, "plain", draft);
        Assert.NotNull(await keeper.LinkExistingAsync(TestDatabase.Alice, plain.Id));
        var linked = await memory.GetAsync(TestDatabase.Alice, plain.Id);

        Assert.Contains("yesterday = 7 May 2023", added.Context, StringComparison.Ordinal);
        Assert.Equal(added.Context, linked.Context);
        Assert.Equal(added.Keywords, linked.Keywords);
        Assert.Equal(added.Tags, linked.Tags);
    }

    [Fact]
    public async Task Linking_a_plain_memory_dates_its_relative_times_by_the_speakers_day_as_adding_a_note_does()
    {
        // The store kept ValidFrom in UTC, so the linking job read 8 pm on 7 May at -07:00 back as 3 am on 8 May and
        // dated "yesterday" 7 May, where the add had dated it by the speaker's day, 6 May.
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        await memory.CreateCubeAsync(TestDatabase.Alice, "plain");
        using var keeper = new NoteKeeper(memory);
        var draft = new MemoryDraft("We went hiking in the hills yesterday.") { ValidFrom = new DateTimeOffset(2023, 5, 7, 20, 0, 0, TimeSpan.FromHours(-7)) };

        var added = await memory.GetAsync(TestDatabase.Alice, (await keeper.AddAsync(TestDatabase.Alice, "notes", draft)).Added.Id);
        var plain = await memory.AddAsync(TestDatabase.Alice, "plain", draft);
        Assert.NotNull(await keeper.LinkExistingAsync(TestDatabase.Alice, plain.Id));
        var linked = await memory.GetAsync(TestDatabase.Alice, plain.Id);

        Assert.Contains("yesterday = 6 May 2023", added.Context, StringComparison.Ordinal);
        Assert.Equal(added.Context, linked.Context);
    }

    [Fact]
    public async Task Unrelated_notes_stay_unlinked_and_bad_options_are_refused()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        using var keeper = new NoteKeeper(memory);
        await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("The quarterly report is due in June.") { Actor = "Ann" });
        var other = await keeper.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Penguins huddle together to stay warm.") { Actor = "Ben" });
        Assert.Empty(other.Links);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoteKeeper(memory, options: new NoteKeeperOptions { MinLinkScore = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoteKeeper(memory, options: new NoteKeeperOptions { EvolveMinWeight = 2 }));
    }
}

/// <summary>An extractor that finds the same topic tags in every text, and the keywords the rule-based one finds.</summary>
internal sealed class FixedTags(IReadOnlyList<string> tags) : INoteExtractor
{
    public Task<NoteAttributes> ExtractAsync(NoteInput input, CancellationToken cancellationToken = default) =>
        Task.FromResult(new NoteAttributes([.. new RuleNoteExtractor().Extract(input).Keywords], tags, "context", "event"));
}

/// <summary>The <c>linking</c> maintenance job over memories added without notes.</summary>
public sealed class LinkingJobTests
{
    [Fact]
    public async Task Plain_memories_become_linked_notes_and_a_dry_run_writes_nothing()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        var cube = await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        var a = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Jolene found a dive spot near Phuket with her partner.") { Actor = "Jolene" });
        var b = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Scuba lessons in Phuket went great, the dive spot was amazing.") { Actor = "Jolene" });
        var tax = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("The tax office closes at five.") { Actor = "Deb" });
        var job = new LinkingJob(options: new NoteKeeperOptions { MinLinkScore = 2.0 });

        var dry = await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, DateTimeOffset.UtcNow, DryRun: true));
        Assert.Equal(3, dry.Counts["examined"]);
        Assert.True(dry.Counts["links"] >= 1);
        Assert.Equal(1, (await memory.GetAsync(TestDatabase.Alice, a.Id)).Version);

        var run = await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, DateTimeOffset.UtcNow, DryRun: false));
        Assert.Contains(run.Actions, x => x.Id == b.Id && x.Other == a.Id);
        var noted = await memory.GetAsync(TestDatabase.Alice, a.Id);
        Assert.Contains("phuket", noted.Keywords);
        Assert.NotNull(noted.Context);
        Assert.Contains(noted.Links, l => l.Target == b.Id);
        Assert.Contains((await memory.GetAsync(TestDatabase.Alice, b.Id)).Links, l => l.Target == a.Id);

        // The unrelated memory became a note without links; a second run finds nothing to link and writes nothing.
        var taxNote = await memory.GetAsync(TestDatabase.Alice, tax.Id);
        Assert.Equal((2, 0), (taxNote.Version, taxNote.Links.Count));
        Assert.NotEmpty(taxNote.Keywords);
        var again = await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, DateTimeOffset.UtcNow, DryRun: false));
        Assert.Equal((1, 0, 0), (again.Counts["examined"], again.Counts["noted"], again.Counts["linked"]));
        Assert.Equal(2, (await memory.GetAsync(TestDatabase.Alice, tax.Id)).Version);

        // Until a later memory relates to it: then the next run links the two.
        await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Deb asked when the tax office closes on Friday.") { Actor = "Deb" });
        var later = await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, DateTimeOffset.UtcNow, DryRun: false));
        Assert.Equal(1, later.Counts["linked"]);
        Assert.NotEmpty((await memory.GetAsync(TestDatabase.Alice, tax.Id)).Links);
    }

    [Fact]
    public async Task A_dry_run_over_several_batches_reports_the_links_the_real_run_makes()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        var cube = await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        var a = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Jolene found a dive spot near Phuket with her partner.") { Actor = "Jolene" });
        var b = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Scuba lessons in Phuket went great, the dive spot was amazing.") { Actor = "Jolene" });
        var job = new LinkingJob(options: new NoteKeeperOptions { MinLinkScore = 2.0 }, batchSize: 1);

        // One memory per batch: b, in the second batch, links to what a would have become in the first.
        var dry = await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, DateTimeOffset.UtcNow, DryRun: true));
        Assert.Equal((1, 1), ((await memory.GetAsync(TestDatabase.Alice, a.Id)).Version, (await memory.GetAsync(TestDatabase.Alice, b.Id)).Version));

        var run = await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, DateTimeOffset.UtcNow, DryRun: false));
        Assert.Equal(1, run.Counts["links"]);
        Assert.Equal(run.Counts, dry.Counts);
        Assert.Equal(run.Actions.Select(x => (x.Id, x.Other)), dry.Actions.Select(x => (x.Id, x.Other)));
    }

    [Fact]
    public async Task Linking_keeps_the_tags_a_memory_has_and_a_shouted_memory_does_not_stop_the_job()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        var cube = await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        string[] given = ["mem0", "Source=Slack", "travel", "Plans", "mem0.meta.trip=Lisbon", "q3", "team", "Offsite"];
        var tagged = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Deb booked the team offsite in Lisbon for September.") { Actor = "Deb", Tags = given });
        var shouted = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(
            "PLEASE REMEMBER THAT THE QUARTERLY BOARD MEETING MOVED TO THURSDAY AFTERNOON IN THE LARGE CONFERENCE ROOM ON THE SEVENTH FLOOR BESIDE THE KITCHEN") { Actor = "Deb" });

        var run = await new LinkingJob().RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, DateTimeOffset.UtcNow, DryRun: false));

        Assert.Equal(2, run.Counts["noted"]);
        var note = await memory.GetAsync(TestDatabase.Alice, tagged.Id);
        Assert.Equal(given, note.Tags.Take(given.Length)); // none dropped, none lower-cased
        Assert.NotEmpty(note.Keywords);
        Assert.NotEmpty((await memory.GetAsync(TestDatabase.Alice, shouted.Id)).Keywords);
    }

    [Fact]
    public async Task Batched_linking_writes_the_same_notes_as_linking_one_at_a_time()
    {
        // Two cubes with the same memories in the same order (the clock ticks per add, so creation order is fixed); one is
        // linked a note per transaction, the other seven per transaction, where later notes see earlier notes' evolutions
        // before they are written.
        await using var db = new TestDatabase();
        var clock = new ManualTime(new DateTimeOffset(2023, 5, 8, 13, 56, 0, TimeSpan.Zero));
        var memory = db.OpenMemory(time: clock);
        string[] words = ["kayak", "lighthouse", "sourdough", "violin", "marathon", "orchard", "telescope", "glacier", "pottery", "falcon", "lantern", "canyon"];
        string[] speakers = ["Jolene", "Deb", "Omar"];
        var random = new Random(20261205);
        var texts = Enumerable.Range(0, 60).Select(i => $"{string.Join(' ', Enumerable.Range(0, 3).Select(_ => words[random.Next(words.Length)]))} story number {i}").ToList();
        var one = await memory.CreateCubeAsync(TestDatabase.Alice, "one at a time");
        var seven = await memory.CreateCubeAsync(TestDatabase.Alice, "seven at a time");
        for (int i = 0; i < texts.Count; i++)
        {
            foreach (var cube in new[] { one, seven })
            {
                await memory.AddAsync(TestDatabase.Alice, cube.Id, new MemoryDraft(texts[i]) { Actor = speakers[i % speakers.Length] });
                clock.Advance(TimeSpan.FromSeconds(1));
            }
        }

        var options = new NoteKeeperOptions { MinLinkScore = 2.0, MaxLinksPerNote = 4 };
        var dry = await new LinkingJob(options: options, batchSize: 7).RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, seven, clock.Now, DryRun: true));
        var single = await new LinkingJob(options: options, batchSize: 1).RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, one, clock.Now, DryRun: false));
        var batched = await new LinkingJob(options: options, batchSize: 7).RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, seven, clock.Now, DryRun: false));

        Assert.True(single.Counts["evolved"] >= 10, $"only {single.Counts["evolved"]} evolutions: the case is too easy");
        Assert.Equal(single.Counts, batched.Counts);

        // The dry run, batch after batch, foresaw every link and evolution the real run made.
        Assert.Equal(batched.Counts, dry.Counts);
        Assert.Equal(batched.Actions, dry.Actions);
        Assert.Equal(await NotesAsync(memory, one), await NotesAsync(memory, seven));
    }

    [Fact]
    public async Task A_consolidation_survivor_becomes_a_note_though_its_supersedes_link_came_first()
    {
        // "Has a link" was read as "is a note": the survivor of a merge (its supersedes link) got no keywords, context or
        // note links, on this run or any later one.
        await using var db = new TestDatabase();
        var clock = new ManualTime(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var memory = db.OpenMemory(time: clock);
        await memory.CreateCubeAsync(TestDatabase.Alice, "facts");
        var absorbed = await memory.AddAsync(TestDatabase.Alice, "facts", new MemoryDraft("Ann adopted a grey cat named Miso") { Actor = "Ann", Tags = ["fact"] });
        clock.Advance(TimeSpan.FromHours(1));
        var survivor = await memory.AddAsync(TestDatabase.Alice, "facts", new MemoryDraft("Ann adopted a grey cat named Miso yesterday") { Actor = "Ann", Tags = ["fact"] });
        clock.Advance(TimeSpan.FromHours(1));
        var vet = await memory.AddAsync(TestDatabase.Alice, "facts", new MemoryDraft("Ann took Miso the grey cat to the vet in Boston") { Actor = "Ann", Tags = ["fact"] });
        var runner = new MaintenanceRunner([new ConsolidationJob(), new LinkingJob(options: new NoteKeeperOptions { MinLinkScore = 2.0 })]);

        var results = await runner.RunAsync(memory, TestDatabase.Alice, "facts", ["consolidation", "linking"]);

        Assert.Equal(1, results[0].Counts["merged"]);
        Assert.Equal(2, results[1].Counts["noted"]);
        var note = await memory.GetAsync(TestDatabase.Alice, survivor.Id);
        Assert.Contains("miso", note.Keywords);
        Assert.NotNull(note.Context);
        Assert.Contains(note.Links, l => l.Type == LinkTypes.Supersedes && l.Target == absorbed.Id); // kept beside the note links
        Assert.Contains(note.Links, l => l.Target == vet.Id && l.Type != LinkTypes.Supersedes);

        // Built once: the next run leaves it as it is.
        var again = Assert.Single(await runner.RunAsync(memory, TestDatabase.Alice, "facts", ["linking"]));
        Assert.Equal(0, again.Counts["noted"]);
        Assert.Equal(note.Version, (await memory.GetAsync(TestDatabase.Alice, survivor.Id)).Version);
    }

    [Fact]
    public async Task The_current_fact_of_an_update_becomes_a_note_and_keeps_its_supersedes_link()
    {
        await using var db = new TestDatabase();
        var clock = new ManualTime(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var memory = db.OpenMemory(time: clock);
        var cube = await memory.CreateCubeAsync(TestDatabase.Alice, "facts");
        var resolver = new FactResolver(memory);
        var paris = await resolver.ResolveAsync(TestDatabase.Alice, "facts", new MemoryDraft("Ann lives in Paris with Miso the grey cat") { Tags = ["fact"], Source = SourceKind.Agent });
        clock.Advance(TimeSpan.FromDays(10));
        var oslo = await resolver.ResolveAsync(TestDatabase.Alice, "facts", new MemoryDraft("Ann lives in Oslo with Miso the grey cat") { Tags = ["fact"], Source = SourceKind.Agent });
        Assert.Equal((FactAction.Update, paris.Stored), (oslo.Decision.Action, oslo.Invalidated));

        var run = await new LinkingJob().RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, clock.Now, DryRun: false));

        Assert.Equal(1, run.Counts["noted"]);
        var current = await memory.GetAsync(TestDatabase.Alice, oslo.Stored!.Value);
        Assert.Contains("oslo", current.Keywords);
        Assert.NotNull(current.Context);
        Assert.Equal(paris.Stored, Assert.Single(current.Links, l => l.Type == LinkTypes.Supersedes).Target);
    }

    [Fact]
    public async Task A_memory_that_got_a_back_link_earlier_in_the_run_is_still_built_as_a_note()
    {
        // The older note linked to the newer memory through its tags alone, the evolution gave the newer one a back-link,
        // and at its turn it counted as a note already: no keywords, no context, no links of its own, for good.
        await using var db = new TestDatabase();
        var clock = new ManualTime(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var memory = db.OpenMemory(time: clock);
        var cube = await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        for (int i = 0; i < 60; i++)
        {
            await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft($"Reminder number {i} for the week."));
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        string[] tags = ["camping", "tahoe", "outdoors", "family"];
        var x = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("We went camping at Lake Tahoe with the kids.") { Tags = tags });
        clock.Advance(TimeSpan.FromSeconds(1));
        var y = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Melanie bought a new Subaru Outback for the Lake Tahoe camping trips.") { Tags = tags });
        var job = new LinkingJob();

        await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, clock.Now, DryRun: false));

        Assert.Contains((await memory.GetAsync(TestDatabase.Alice, x.Id)).Links, l => l.Target == y.Id);
        var note = await memory.GetAsync(TestDatabase.Alice, y.Id);
        Assert.Contains("subaru outback", note.Keywords);
        Assert.NotNull(note.Context);
        Assert.Single(note.Links, l => l.Target == x.Id); // the back-link kept, not linked a second time

        var again = await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, clock.Now, DryRun: false));
        Assert.Equal(0, again.Counts["noted"]);
        Assert.Equal(note.Version, (await memory.GetAsync(TestDatabase.Alice, y.Id)).Version);
    }

    [Fact]
    public async Task A_linked_memory_without_keywords_is_built_once_and_not_again()
    {
        // Nothing in "Ok, sure." is a keyword: its context marks it as a note, so later runs do not build it again.
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        var cube = await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        var question = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Can you book the Lisbon offsite for September?") { Actor = "Deb" });
        var answer = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Ok, sure.") { Actor = "Omar", Links = [new MemoryLink(question.Id, "answers")] });
        var job = new LinkingJob();

        var first = await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, DateTimeOffset.UtcNow, DryRun: false));
        var note = await memory.GetAsync(TestDatabase.Alice, answer.Id);
        Assert.Equal(2, first.Counts["noted"]);
        Assert.Empty(note.Keywords);
        Assert.StartsWith("Omar states a fact", note.Context, StringComparison.Ordinal);
        Assert.Equal(new MemoryLink(question.Id, "answers"), Assert.Single(note.Links));

        var second = await job.RunAsync(new AgentMem.MemoryCore.Maintenance.MaintenanceContext(memory, TestDatabase.Alice, cube, DateTimeOffset.UtcNow, DryRun: false));
        Assert.Equal(0, second.Counts["noted"]);
        Assert.Equal(note.Version, (await memory.GetAsync(TestDatabase.Alice, answer.Id)).Version);
    }

    /// <summary>Every memory of the cube as text: version, keywords, tags, context and links (targets by their text).</summary>
    private static async Task<List<string>> NotesAsync(MemoryOS memory, MemCube cube)
    {
        var items = new List<MemoryItem>();
        await foreach (var item in memory.ListAsync(TestDatabase.Alice, cube.Id))
        {
            items.Add(item);
        }

        var textOf = items.ToDictionary(i => i.Id, i => i.Text);
        return [.. items.OrderBy(i => i.Text, StringComparer.Ordinal).Select(i =>
            $"{i.Text} v{i.Version} [{string.Join(",", i.Keywords)}] [{string.Join(",", i.Tags)}] {i.Context} -> "
            + string.Join("; ", i.Links.Select(l => $"{textOf[l.Target]} {l.Type} {l.Weight} {l.Reason}")))];
    }
}
