using AgentMem.Agents.Lifecycle;
using AgentMem.MemoryCore.Facts;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;
using static AgentMem.Agents.Tests.ScriptedChatClient;

namespace AgentMem.Agents.Tests.Lifecycle;

public sealed class AgentLifecycleTests : IAsyncLifetime
{
    private static readonly Scope Ann = new(Scope.DefaultTenant, "ann");
    private readonly TempMemory temp = new();

    // xunit v2 calls IAsyncLifetime, not IAsyncDisposable, on a test class: the temporary database is removed here.
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => temp.DisposeAsync().AsTask();

    [Fact]
    public async Task A_changed_fact_supersedes_the_old_one_through_the_conflict_model()
    {
        var extractor = new ScriptedChatClient(Say("[\"Ann lives in Paris.\"]"), Say("[\"Ann lives in Berlin now.\"]"));
        var conflicts = new ScriptedChatClient(Say("{\"action\":\"UPDATE\",\"id\":\"F1\",\"reason\":\"Ann moved\"}"));
        var agent = new MemoryAgent(new ScriptedChatClient(Say("Nice city."), Say("Enjoy Berlin!")), temp.Memory,
            new MemoryAgentOptions { EnableTools = false, ExtractionClient = extractor, ConflictClient = conflicts });

        var first = await agent.ChatAsync("ann", "I live in Paris.");
        var second = await agent.ChatAsync("ann", "I moved to Berlin.");

        Assert.Equal(FactAction.Add, Assert.Single(first.Resolutions).Decision.Action); // no stored fact: no model call
        var update = Assert.Single(second.Resolutions);
        Assert.Equal((FactAction.Update, "Ann moved", "model"), (update.Decision.Action, update.Decision.Reason, update.Decision.Classifier));
        Assert.Single(conflicts.Requests);
        var paris = first.Facts[0].Id;
        Assert.Equal(paris, update.Invalidated);
        var current = await temp.Memory.GetCurrentFactAsync(Ann, paris);
        Assert.Equal("Ann lives in Berlin now.", current!.Text);
        Assert.Equal("turn:" + second.Turn[0].Id, current.Provenance.SourceRef);
        var live = await temp.Memory.ListAsync(Ann, "user-ann").Where(m => m.Tags.Contains(MemoryAgent.FactTag)).Select(m => m.Text).ToListAsync();
        Assert.Equal(["Ann lives in Berlin now."], live);
    }

    [Fact]
    public async Task Offline_rules_resolve_conflicts_when_no_conflict_model_is_configured()
    {
        var extractor = new ScriptedChatClient(Say("[\"Ann has a dog.\"]"), Say("[\"Ann no longer has a dog.\"]"));
        var agent = new MemoryAgent(new ScriptedChatClient(Say("Cute!"), Say("Sorry to hear.")), temp.Memory,
            new MemoryAgentOptions { EnableTools = false, ExtractionClient = extractor, RecordThoughts = false });

        var first = await agent.ChatAsync("ann", "I got a dog.");
        var second = await agent.ChatAsync("ann", "My dog went to live with my parents.");

        var delete = Assert.Single(second.Resolutions);
        Assert.Equal((FactAction.Delete, "rules"), (delete.Decision.Action, delete.Decision.Classifier));
        Assert.Empty(second.Facts);
        Assert.Null(await temp.Memory.GetCurrentFactAsync(Ann, first.Facts[0].Id));
        var old = await temp.Memory.GetAsync(Ann, first.Facts[0].Id);
        Assert.Contains(old.Links, l => l.Type == LinkTypes.InvalidatedBy && l.Target == second.Turn[0].Id);
    }

    [Fact]
    public async Task An_answer_drawn_from_memory_leaves_a_linked_thought_and_reinforces_its_evidence()
    {
        await temp.Memory.GetOrCreateCubeAsync(Ann, "user-ann");
        var miso = await temp.Memory.AddAsync(Ann, "user-ann", new MemoryDraft("Ann adopted a cat named Miso") { Actor = "Ann" });
        var jazz = await temp.Memory.AddAsync(Ann, "user-ann", new MemoryDraft("Ann likes jazz") { Actor = "Ann" });
        var agent = new MemoryAgent(new ScriptedChatClient(Say("Your cat is called Miso.")), temp.Memory, new MemoryAgentOptions { EnableTools = false });

        var turn = await agent.ChatAsync("ann", "What is my cat called?", "c1");

        Assert.Equal([miso.Id], turn.Evidence);
        var thought = await temp.Memory.GetAsync(Ann, turn.Thought!.Value);
        Assert.Equal("Thought: asked \"What is my cat called?\", I concluded: Your cat is called Miso.", thought.Text);
        Assert.Equal([MemoryAgent.ThoughtTag], thought.Tags);
        Assert.Equal((SourceKind.Agent, "turn:" + turn.Turn[0].Id, "c1"), (thought.Provenance.Source, thought.Provenance.SourceRef, thought.Scope.Session));
        var link = Assert.Single(thought.Links);
        Assert.Equal((miso.Id, LinkTypes.DerivedFrom), (link.Target, link.Type));
        Assert.Equal(1, (await temp.Memory.GetAsync(Ann, miso.Id)).RecallCount);
        Assert.Equal(0, (await temp.Memory.GetAsync(Ann, jazz.Id)).RecallCount);
    }

    [Fact]
    public async Task Thoughts_and_reinforcement_can_be_turned_off()
    {
        await temp.Memory.GetOrCreateCubeAsync(Ann, "user-ann");
        var miso = await temp.Memory.AddAsync(Ann, "user-ann", new MemoryDraft("Ann adopted a cat named Miso"));
        var agent = new MemoryAgent(new ScriptedChatClient(Say("Your cat is called Miso.")), temp.Memory,
            new MemoryAgentOptions { EnableTools = false, RecordThoughts = false, ReinforceRecalled = false });

        var turn = await agent.ChatAsync("ann", "What is my cat called?");

        Assert.Null(turn.Thought);
        Assert.DoesNotContain(await temp.Memory.ListAsync(Ann, "user-ann").ToListAsync(), m => m.Tags.Contains(MemoryAgent.ThoughtTag));
        Assert.Equal(0, (await temp.Memory.GetAsync(Ann, miso.Id)).RecallCount);
    }

    [Fact]
    public async Task Session_summaries_are_written_once_per_long_enough_session_with_provenance_links()
    {
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var day = new DateTimeOffset(2024, 6, 1, 10, 0, 0, TimeSpan.Zero);
        var s1 = new List<MemoryCore.Identity.MemoryId>();
        string[] lines = ["I am planning a trip to Japan.", "Which month is best?", "Probably April for the cherry blossoms.", "Then I will book flights for April."];
        for (int i = 0; i < lines.Length; i++)
        {
            s1.Add((await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft(lines[i]) { Session = "s1", Actor = i % 2 == 0 ? "ann" : "assistant", ValidFrom = day.AddMinutes(i) })).Id);
        }

        await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("Hi") { Session = "s2" });
        var model = new ScriptedChatClient(Say("Ann plans a trip to Japan in April 2024 for the cherry blossoms and will book flights."));
        var job = new SessionSummaryJob(model);
        var runner = new MaintenanceRunner([job]);

        var dry = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes", ["summaries"], dryRun: true));
        Assert.Equal(1, dry.Counts["summarized"]);
        Assert.Empty(model.Requests);

        var result = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal((2, 1, 1, 0), (result.Counts["sessions"], result.Counts["summarized"], result.Counts["skipped"], result.Counts["failed"]));
        var summary = await temp.Memory.GetAsync(Ann, Assert.Single(result.Actions).Id!.Value);
        Assert.Equal(("s1", "session:s1", day), (summary.Scope.Session, summary.Provenance.SourceRef, summary.ValidFrom!.Value));
        Assert.Contains(SessionSummaryJob.SummaryTag, summary.Tags);
        Assert.Equal(s1, summary.Links.Select(l => l.Target));
        Assert.Contains("2024-06-01 ann: I am planning a trip to Japan.", model.Requests[0].Messages[1].Text, StringComparison.Ordinal);

        var again = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal((0, 2), (again.Counts["summarized"], again.Counts["skipped"]));
    }

    [Fact]
    public async Task A_session_that_gained_memories_since_its_summary_is_summarised_again_and_the_new_summary_supersedes_the_old()
    {
        // A session counted as summarised for good once any of its memories had a summary: a run in the middle of a
        // conversation left the rest of it out of the summary, which is recalled as the conversation's gist.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var turns = new List<MemoryCore.Identity.MemoryId>();
        async Task SayAsync(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                turns.Add((await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft($"Turn {i} about the trip to Japan.") { Session = "s1", Actor = "ann" })).Id);
            }
        }

        await SayAsync(0, 4);
        var model = new ScriptedChatClient(Say("Ann plans a trip to Japan."), Say("Ann plans a trip to Japan in April and booked flights."));
        var runner = new MaintenanceRunner([new SessionSummaryJob(model)]);
        var first = await temp.Memory.GetAsync(Ann, Assert.Single(Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes")).Actions).Id!.Value);
        await SayAsync(4, 10);

        var dry = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes", ["summaries"], dryRun: true));
        Assert.Equal((1, 0), (dry.Counts["summarized"], dry.Counts["skipped"]));
        var result = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal((1, 1, 0, 1), (result.Counts["sessions"], result.Counts["summarized"], result.Counts["skipped"], result.Counts["replaced"]));
        Assert.Equal(2, model.Requests.Count);
        Assert.Contains("Turn 9 about", model.Requests[1].Messages[1].Text, StringComparison.Ordinal);

        // One live summary of the session, linking every turn; the old one is superseded by it, in history.
        var live = Assert.Single(await temp.Memory.ListAsync(Ann, "notes").Where(m => m.Tags.Contains(SessionSummaryJob.SummaryTag)).ToListAsync());
        Assert.Equal("Ann plans a trip to Japan in April and booked flights.", live.Text);
        Assert.Equal(turns, live.Links.Where(l => l.Type == LinkTypes.DerivedFrom).Select(l => l.Target));
        Assert.Contains(new MemoryLink(first.Id, LinkTypes.Supersedes), live.Links);
        var old = await temp.Memory.GetAsync(Ann, first.Id);
        Assert.Equal(LifecycleState.Superseded, old.State);
        Assert.Contains(new MemoryLink(live.Id, LinkTypes.SupersededBy), old.Links);

        // Nothing new since: skipped, the model is not asked again.
        var again = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal((0, 1), (again.Counts["summarized"], again.Counts["skipped"]));
        Assert.Equal(2, model.Requests.Count);
    }

    [Fact]
    public async Task A_session_summarised_again_after_forgetting_archived_its_early_turns_keeps_what_its_summary_held()
    {
        // Archived turns are no members of their session: the summary written again was made from the recent turns alone and
        // superseded the one that held the early ones, the only live record of them.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var day = new DateTimeOffset(2024, 6, 1, 10, 0, 0, TimeSpan.Zero);
        var early = await SayInS1Async(day, "My sister lives in Lisbon.", "I am allergic to peanuts.", "I fly to Oslo in July.", "I work as a nurse.");
        var model = new ScriptedChatClient(
            Say("Ann's sister lives in Lisbon; Ann is allergic to peanuts, flies to Oslo in July and works as a nurse."),
            Say("Ann, a nurse allergic to peanuts whose sister lives in Lisbon, likes jazz, bought a piano and has a cat, Mimi."),
            Say("Ann also started singing lessons."));
        var runner = new MaintenanceRunner([new SessionSummaryJob(model)]);
        var first = await temp.Memory.GetAsync(Ann, Assert.Single(Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes")).Actions).Id!.Value);
        foreach (var id in early)
        {
            await temp.Memory.SetStateAsync(Ann, id, LifecycleState.Archived, "forgotten: not recalled"); // as the forgetting job does
        }

        var later = await SayInS1Async(day.AddDays(14), "I like jazz.", "I bought a piano.", "Lessons are on Tuesdays.", "My cat is called Mimi.");

        var result = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));

        Assert.Equal((1, 1, 0), (result.Counts["summarized"], result.Counts["replaced"], result.Counts["failed"]));
        // The earlier summary is the session so far, before the live turns; the archived turns are not read again.
        string sent = model.Requests[1].Messages[1].Text;
        Assert.StartsWith("2024-06-01 summary of the session so far: " + first.Text + "\n2024-06-15 ann: I like jazz.", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("My sister lives in Lisbon.", sent, StringComparison.Ordinal);
        Assert.Equal("session s1: 4 memories and 1 earlier summary", result.Actions.Single(a => a.Kind == "summarize").Reason);

        // The new summary starts when the session did and derives from the earlier one, which it supersedes.
        var second = Assert.Single(await temp.Memory.ListAsync(Ann, "notes").Where(m => m.Tags.Contains(SessionSummaryJob.SummaryTag)).ToListAsync());
        Assert.Equal(day, second.ValidFrom);
        Assert.Equal([first.Id, .. later], second.Links.Where(l => l.Type == LinkTypes.DerivedFrom).Select(l => l.Target));
        Assert.Equal(LifecycleState.Superseded, (await temp.Memory.GetAsync(Ann, first.Id)).State);

        // Written again while those turns are live, it still carries what the summary it replaces got from its own earlier one.
        later.AddRange(await SayInS1Async(day.AddDays(15), "I started singing lessons."));
        Assert.Equal(1, Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes")).Counts["summarized"]);
        Assert.StartsWith("2024-06-01 summary of the session so far: " + second.Text + "\n", model.Requests[2].Messages[1].Text, StringComparison.Ordinal);
        var third = Assert.Single(await temp.Memory.ListAsync(Ann, "notes").Where(m => m.Tags.Contains(SessionSummaryJob.SummaryTag)).ToListAsync());
        Assert.Equal([second.Id, .. later], third.Links.Where(l => l.Type == LinkTypes.DerivedFrom).Select(l => l.Target));

        // Its provenance reaches the forgotten turns through the earlier summaries: erasing one of them erases it too.
        await temp.Memory.PurgeAsync(Ann, early[1]);
        Assert.Empty(await temp.Memory.ListAsync(Ann, "notes").Where(m => m.Tags.Contains(SessionSummaryJob.SummaryTag)).ToListAsync());
    }

    [Fact]
    public async Task A_summary_written_again_after_a_turn_was_deleted_does_not_carry_the_deleted_turn_on()
    {
        // Only archived turns and superseded summaries make the old summary the session so far: a turn the user deleted is
        // no member either, and feeding the old summary in kept what it said in every later summary.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var day = new DateTimeOffset(2024, 6, 1, 10, 0, 0, TimeSpan.Zero);
        var early = await SayInS1Async(day, "My sister lives in Lisbon.", "I am allergic to peanuts.", "I fly to Oslo in July.", "I work as a nurse.");
        var model = new ScriptedChatClient(
            Say("Ann's sister lives in Lisbon; Ann is allergic to peanuts, flies to Oslo in July and works as a nurse."),
            Say("Ann is allergic to peanuts, flies to Oslo in July, works as a nurse and likes jazz."));
        var runner = new MaintenanceRunner([new SessionSummaryJob(model)]);
        var first = await temp.Memory.GetAsync(Ann, Assert.Single(Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes")).Actions).Id!.Value);
        await temp.Memory.DeleteAsync(Ann, early[0], "the user deleted it");
        await SayInS1Async(day.AddDays(14), "I like jazz.");

        var result = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));

        Assert.Equal(1, result.Counts["summarized"]);
        string sent = model.Requests[1].Messages[1].Text;
        Assert.DoesNotContain(first.Text, sent, StringComparison.Ordinal);
        Assert.DoesNotContain("Lisbon", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_summary_written_again_in_the_words_of_the_earlier_one_keeps_its_links_to_the_forgotten_turns()
    {
        // Brought up to date, the summary's derived-from links were replaced by the live turns': a purge of a forgotten turn
        // it was made from no longer reached it.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var day = new DateTimeOffset(2024, 6, 1, 10, 0, 0, TimeSpan.Zero);
        var early = await SayInS1Async(day, "My sister lives in Lisbon.", "I am allergic to peanuts.", "I fly to Oslo in July.", "I work as a nurse.");
        var runner = new MaintenanceRunner([new SessionSummaryJob(new ScriptedChatClient(Say("Ann is a nurse allergic to peanuts."), Say("Ann is a nurse allergic to peanuts.")))]);
        var summary = Assert.Single(Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes")).Actions).Id!.Value;
        foreach (var id in early)
        {
            await temp.Memory.SetStateAsync(Ann, id, LifecycleState.Archived, "forgotten: not recalled");
        }

        var later = await SayInS1Async(day.AddDays(14), "I like jazz.", "I bought a piano.", "Lessons are on Tuesdays.", "My cat is called Mimi.");

        var result = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));

        Assert.Equal((1, 0), (result.Counts["summarized"], result.Counts["replaced"]));
        var live = Assert.Single(await temp.Memory.ListAsync(Ann, "notes").Where(m => m.Tags.Contains(SessionSummaryJob.SummaryTag)).ToListAsync());
        Assert.Equal((summary, LifecycleState.Active), (live.Id, live.State));
        Assert.Equal([.. early, .. later], live.Links.Where(l => l.Type == LinkTypes.DerivedFrom).Select(l => l.Target));
        Assert.DoesNotContain(live.Links, l => l.Target == live.Id);
    }

    // Ann's lines in session s1, a minute apart from `start`.
    private async Task<List<MemoryId>> SayInS1Async(DateTimeOffset start, params string[] lines)
    {
        var ids = new List<MemoryId>();
        for (int i = 0; i < lines.Length; i++)
        {
            ids.Add((await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft(lines[i]) { Session = "s1", Actor = "ann", ValidFrom = start.AddMinutes(i) })).Id);
        }

        return ids;
    }

    [Fact]
    public async Task A_session_summarised_again_in_the_same_words_keeps_its_summary_linking_every_memory()
    {
        // A summary in the words of the one it replaces was de-duplicated to it: it must not supersede itself.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var turns = new List<MemoryCore.Identity.MemoryId>();
        async Task SayAsync(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                turns.Add((await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft($"Turn {i} about the garden shed.") { Session = "s1", Actor = "ann" })).Id);
            }
        }

        await SayAsync(0, 4);
        var runner = new MaintenanceRunner([new SessionSummaryJob(new ScriptedChatClient(Say("Ann is building a garden shed."), Say("Ann is building a garden shed.")))]);
        var summary = Assert.Single(Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes")).Actions).Id!.Value;
        await SayAsync(4, 6);

        var result = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));

        Assert.Equal((1, 0), (result.Counts["summarized"], result.Counts["replaced"]));
        var live = Assert.Single(await temp.Memory.ListAsync(Ann, "notes").Where(m => m.Tags.Contains(SessionSummaryJob.SummaryTag)).ToListAsync());
        Assert.Equal((summary, LifecycleState.Active), (live.Id, live.State));
        Assert.Equal(turns, live.Links.Where(l => l.Type == LinkTypes.DerivedFrom).Select(l => l.Target));
        Assert.DoesNotContain(live.Links, l => l.Target == live.Id);
    }

    [Fact]
    public async Task Two_sessions_summarised_in_the_same_words_each_get_their_summary()
    {
        // De-duplicated by words alone, the second session's summary was the first one's: the second was never covered and
        // was summarised again every run.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        foreach (string session in new[] { "s1", "s2" })
        {
            for (int i = 0; i < 4; i++)
            {
                await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft($"Turn {i} of {session}: hello.") { Session = session, Actor = "ann" });
            }
        }

        var model = new ScriptedChatClient(Say("Ann said hello."), Say("Ann said hello."));
        var runner = new MaintenanceRunner([new SessionSummaryJob(model)]);
        Assert.Equal(2, Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes")).Counts["summarized"]);

        var summaries = await temp.Memory.ListAsync(Ann, "notes").Where(m => m.Tags.Contains(SessionSummaryJob.SummaryTag)).ToListAsync();
        Assert.Equal(["s1", "s2"], summaries.Select(s => s.Scope.Session));
        var again = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal((0, 2), (again.Counts["summarized"], again.Counts["skipped"]));
        Assert.Equal(2, model.Requests.Count);
    }

    [Fact]
    public async Task A_summary_a_stopped_run_left_live_beside_its_successor_is_superseded_by_the_next_run()
    {
        // The new summary is written before the old one is superseded: a run stopped between the two left both live.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var turns = new List<MemoryCore.Identity.MemoryId>();
        for (int i = 0; i < 4; i++)
        {
            turns.Add((await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft($"Turn {i} about the garden shed.") { Session = "s1", Actor = "ann" })).Id);
        }

        MemoryDraft Summary(string text, IEnumerable<MemoryLink> links) =>
            new(text) { Session = "s1", Source = SourceKind.Agent, SourceRef = "session:s1", Tags = [SessionSummaryJob.KindTag, SessionSummaryJob.SummaryTag], Links = [.. links] };
        var old = await temp.Memory.AddAsync(Ann, "notes", Summary("Ann talks about a shed.", turns.Take(2).Select(t => new MemoryLink(t, LinkTypes.DerivedFrom))));
        var current = await temp.Memory.AddAsync(Ann, "notes", Summary("Ann is building a garden shed.", [.. turns.Select(t => new MemoryLink(t, LinkTypes.DerivedFrom)), new MemoryLink(old.Id, LinkTypes.Supersedes)]));

        var model = new ScriptedChatClient();
        var result = Assert.Single(await new MaintenanceRunner([new SessionSummaryJob(model)]).RunAsync(temp.Memory, Ann, "notes"));

        Assert.Equal((0, 1, 1), (result.Counts["summarized"], result.Counts["skipped"], result.Counts["replaced"]));
        Assert.Empty(model.Requests);
        Assert.Equal(LifecycleState.Superseded, (await temp.Memory.GetAsync(Ann, old.Id)).State);
        Assert.Equal(current.Id, Assert.Single(await temp.Memory.ListAsync(Ann, "notes").Where(m => m.Tags.Contains(SessionSummaryJob.SummaryTag)).ToListAsync()).Id);
    }

    [Fact]
    public async Task Two_users_sessions_of_one_id_in_a_shared_cube_are_summarised_apart_each_in_its_owners_scope()
    {
        // MemoryAgent makes the conversation id the session: Alice's "c1" and Bob's "c1" in a tenant's cube were one session,
        // summarised as whoever ran the job, and once one was summarised the other was skipped for good.
        var host = new Scope(Scope.DefaultTenant);
        await temp.Memory.CreateCubeAsync(host, "team"); // the tenant's cube: every user of the tenant writes it
        var alice = new Scope(Scope.DefaultTenant, "alice", "assistant");
        var bob = new Scope(Scope.DefaultTenant, "bob", "assistant");
        foreach (var (user, topic) in new[] { (alice, "the garden shed"), (bob, "the tax return") })
        {
            for (int i = 0; i < 4; i++)
            {
                await temp.Memory.AddAsync(user, "team", new MemoryDraft($"Turn {i} about {topic} and what to do next.") { Session = "c1", Actor = user.User });
            }
        }

        var model = new ScriptedChatClient(Say("Alice is building a garden shed."), Say("Bob is doing his tax return."));
        var runner = new MaintenanceRunner([new SessionSummaryJob(model)]);

        // A user's run summarises that user's session only: it does not write into another user's scope.
        var asAlice = Assert.Single(await runner.RunAsync(temp.Memory, alice, "team"));
        Assert.Equal((2, 1, 1), (asAlice.Counts["sessions"], asAlice.Counts["summarized"], asAlice.Counts["skipped"]));
        Assert.DoesNotContain("tax", model.Requests[0].Messages[1].Text, StringComparison.Ordinal);

        var asHost = Assert.Single(await runner.RunAsync(temp.Memory, host, "team"));
        Assert.Equal((2, 1, 1), (asHost.Counts["sessions"], asHost.Counts["summarized"], asHost.Counts["skipped"]));
        Assert.DoesNotContain("garden", model.Requests[1].Messages[1].Text, StringComparison.Ordinal);

        var summaries = await temp.Memory.ListAsync(host, "team").Where(m => m.Tags.Contains(SessionSummaryJob.SummaryTag)).ToListAsync();
        Assert.Equal([alice.WithSession("c1"), bob.WithSession("c1")], summaries.Select(s => s.Scope));
        Assert.Equal(0, Assert.Single(await runner.RunAsync(temp.Memory, host, "team")).Counts["summarized"]);
    }

    [Fact]
    public async Task A_summary_holding_a_nul_is_stored_with_a_replacement_character()
    {
        // Model output: a byte-level tokenizer can decode a NUL, which memory text refuses; the job failed every run.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        for (int i = 0; i < 4; i++)
        {
            await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft($"Line {i} of the trip plan to Japan.") { Session = "s1", Actor = "ann" });
        }

        var model = new ScriptedChatClient(Say("Ann plans a trip\0 to Japan."));
        var result = Assert.Single(await new MaintenanceRunner([new SessionSummaryJob(model)]).RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal((1, 0), (result.Counts["summarized"], result.Counts["failed"]));
        var summary = await temp.Memory.GetAsync(Ann, Assert.Single(result.Actions).Id!.Value);
        Assert.Equal("Ann plans a trip\uFFFD to Japan.", summary.Text);
    }

    [Fact]
    public async Task A_session_longer_than_one_request_is_summarised_in_parts_then_merged_and_links_every_turn()
    {
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var day = new DateTimeOffset(2024, 6, 1, 10, 0, 0, TimeSpan.Zero);
        var turns = new List<MemoryCore.Identity.MemoryId>();
        for (int i = 0; i < 5; i++)
        {
            turns.Add((await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft($"Turn {i}: we talked about the garden shed and its roof") { Session = "s1", Actor = "ann", ValidFrom = day.AddMinutes(i) })).Id);
        }

        // One turn longer than a whole request: it spans several parts, none of it left out.
        turns.Add((await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("Turn 5: " + new string('x', 300)) { Session = "s1", Actor = "ann", ValidFrom = day.AddMinutes(5) })).Id);

        // Lines of about 70 characters: two fit a 150-character request, so three parts for the first five turns, and the
        // long turn's 324 characters three more.
        var model = new ScriptedChatClient(Say("The shed."), Say("The roof."), Say("The paint."), Say("X one."), Say("X two."), Say("X three."), Say("Ann's shed, roof, paint and x-files."));
        var job = new SessionSummaryJob(model) { MaxTranscriptChars = 150, MaxSummaryChars = 40 };
        var runner = new MaintenanceRunner([job]);

        var dry = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes", ["summaries"], dryRun: true));
        Assert.Equal("session s1: 6 memories in 6 parts", Assert.Single(dry.Actions).Reason);

        var result = Assert.Single(await runner.RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal(1, result.Counts["summarized"]);
        Assert.Equal(7, model.Requests.Count);
        string[] sent = [.. model.Requests.Select(r => r.Messages[1].Text)];
        Assert.All(sent, text => Assert.InRange(text.Length, 1, 150));
        Assert.All(model.Requests.Take(6), r => Assert.StartsWith("Summarise this conversation session", r.Messages[0].Text, StringComparison.Ordinal));
        Assert.Equal(["Turn 0", "Turn 1"], [.. System.Text.RegularExpressions.Regex.Matches(sent[0], "Turn [0-9]").Select(m => m.Value)]);
        Assert.Contains("Turn 4", sent[2], StringComparison.Ordinal);
        Assert.StartsWith("2024-06-01 ann: Turn 5: xxx", sent[3], StringComparison.Ordinal);
        Assert.Equal(300, string.Concat(sent[3..6]).Count(c => c == 'x'));
        Assert.StartsWith("These are summaries of consecutive parts", model.Requests[6].Messages[0].Text, StringComparison.Ordinal);
        Assert.Equal("Part 1: The shed.\nPart 2: The roof.\nPart 3: The paint.\nPart 4: X one.\nPart 5: X two.\nPart 6: X three.\n", sent[6]);

        var summary = await temp.Memory.GetAsync(Ann, Assert.Single(result.Actions).Id!.Value);
        Assert.Equal("Ann's shed, roof, paint and x-files.", summary.Text);
        Assert.Equal(turns, summary.Links.Select(l => l.Target));
        Assert.Equal("session s1: 6 memories in 6 parts", Assert.Single(result.Actions).Reason);
    }

    [Fact]
    public async Task A_transcript_limit_too_small_to_merge_two_summaries_is_refused_by_name()
    {
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var job = new SessionSummaryJob(new ScriptedChatClient()) { MaxTranscriptChars = 100, MaxSummaryChars = 40 };
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new MaintenanceRunner([job]).RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal("MaxTranscriptChars", ex.ParamName);
        Assert.Contains("(112)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_summary_limit_of_int_max_value_does_not_overflow_the_transcript_limit_check()
    {
        // Twice the limit wrapped around to a small number, so any transcript limit passed and, once summaries outgrew half
        // of it, the merge rounds never shrank and the model was called without end.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var job = new SessionSummaryJob(new ScriptedChatClient()) { MaxSummaryChars = int.MaxValue, MaxTranscriptChars = 100 };
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new MaintenanceRunner([job]).RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal("MaxTranscriptChars", ex.ParamName);
        Assert.Contains("(4294967326)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcript_dates_are_written_the_same_in_every_culture()
    {
        // On th-TH the current culture's Buddhist calendar wrote the year 2567 for 2024 into the model's transcript.
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("th-TH");
        try
        {
            await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
            var day = new DateTimeOffset(2024, 5, 7, 10, 0, 0, TimeSpan.Zero);
            for (int i = 0; i < 4; i++)
            {
                await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft($"line {i} about the garden") { Session = "s1", Actor = "ann", ValidFrom = day.AddMinutes(i) });
            }

            var model = new ScriptedChatClient(Say("Ann talked about her garden."));
            var result = Assert.Single(await new MaintenanceRunner([new SessionSummaryJob(model)]).RunAsync(temp.Memory, Ann, "notes"));

            Assert.Equal(1, result.Counts["summarized"]);
            Assert.Contains("2024-05-07 ann: line 0 about the garden", Assert.Single(model.Requests).Messages[1].Text, StringComparison.Ordinal);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public async Task An_empty_summary_is_not_stored()
    {
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        for (int i = 0; i < 4; i++)
        {
            await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft($"line {i} about the garden") { Session = "s1" });
        }

        var result = Assert.Single(await new MaintenanceRunner([new SessionSummaryJob(new ScriptedChatClient(Say("   ")))]).RunAsync(temp.Memory, Ann, "notes"));
        Assert.Equal((0, 1), (result.Counts["summarized"], result.Counts["failed"]));
        Assert.Equal(4, await temp.Memory.ListAsync(Ann, "notes").CountAsync());
    }
}
