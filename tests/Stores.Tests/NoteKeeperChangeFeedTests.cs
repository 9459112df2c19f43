using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Notes;

namespace AgentMem.Stores.Tests;

/// <summary>
/// A long-lived <see cref="NoteKeeper"/> keeps its link index in step with the store: writes made around it, in this
/// process or another, are read from the change feed before anything links to them.
/// </summary>
public sealed class NoteKeeperChangeFeedTests : IAsyncLifetime
{
    private static readonly NoteKeeperOptions Options = new() { MinLinkScore = 1.0 };
    private readonly TestDatabase db = new();
    private MemoryOS memory = null!;
    private NoteKeeper keeper = null!;

    public async Task InitializeAsync()
    {
        memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        keeper = new NoteKeeper(memory, options: Options);
    }

    public async Task DisposeAsync()
    {
        keeper.Dispose();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task Notes_deleted_archived_or_purged_around_the_keeper_get_no_new_links()
    {
        var deleted = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Camping at Lake Tahoe with the kids."));
        var archived = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Lake Tahoe camping trip, the kids loved it."));
        var purged = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("The kids want Lake Tahoe camping again."));
        var kept = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Lake Tahoe: camping gear for the kids."));

        await memory.DeleteAsync(TestDatabase.Alice, deleted.Added.Id, "wrong trip");
        await memory.SetStateAsync(TestDatabase.Alice, archived.Added.Id, LifecycleState.Archived, "old");
        await memory.PurgeAsync(TestDatabase.Alice, purged.Added.Id);

        var next = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Camping at Lake Tahoe next summer with the kids."));
        Assert.Equal([kept.Added.Id], next.Links.Select(l => l.Target));
    }

    [Fact]
    public async Task A_note_frozen_around_the_keeper_is_still_linked_to_and_left_as_it_is()
    {
        // Frozen is live (searched, pinned): it was dropped from the index, so no later note linked to it. It gets the
        // forward link; the back-link, a new version of it, is what freezing forbids.
        var frozen = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("We took the kids camping at Lake Tahoe with Melanie and the Subaru yesterday."));
        await memory.SetStateAsync(TestDatabase.Alice, frozen.Added.Id, LifecycleState.Frozen);
        var pinned = await memory.GetAsync(TestDatabase.Alice, frozen.Added.Id);

        var cached = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Camping at Lake Tahoe again with Melanie and the Subaru, the kids loved it."));
        using var fresh = new NoteKeeper(memory, options: Options); // an index read from the store, not caught up
        var built = await fresh.AddAsync(TestDatabase.Alice, "notes", Draft("Lake Tahoe camping with the Subaru is the kids' favourite."));
        var plain = await memory.AddAsync(TestDatabase.Alice, "notes", Draft("Melanie drove the Subaru to Lake Tahoe for camping."));
        var linked = await fresh.LinkExistingAsync(TestDatabase.Alice, plain.Id);

        Assert.Contains(cached.Links, l => l.Target == frozen.Added.Id);
        Assert.Contains(built.Links, l => l.Target == frozen.Added.Id);
        Assert.Contains(linked!.Links, l => l.Target == frozen.Added.Id);
        var after = await memory.GetAsync(TestDatabase.Alice, frozen.Added.Id);
        Assert.Equal((LifecycleState.Frozen, pinned.Version, pinned.Links.Count), (after.State, after.Version, after.Links.Count));
    }

    [Fact]
    public async Task A_memory_edited_while_its_note_is_extracted_keeps_the_edit()
    {
        // The note was planned on the memory as read before the (slow) extraction and written as whole lists: the tags
        // and context a user gave it meanwhile were silently replaced.
        var target = (await memory.AddAsync(TestDatabase.Alice, "notes", Draft("Camping at Lake Tahoe with the kids."))).Id;
        var unrelated = (await memory.AddAsync(TestDatabase.Alice, "notes", Draft("The tax office closes at five."))).Id;
        var extractor = new EditingExtractor(() => memory.UpdateAsync(TestDatabase.Alice, target, new MemoryChange { Tags = ["urgent"], Context = "mine" }));
        var job = new LinkingJob(extractor, Options);

        // The batch's write meets the edit and is redone memory by memory, each read afresh.
        var result = Assert.Single(await new MemoryCore.Maintenance.MaintenanceRunner([job]).RunAsync(memory, TestDatabase.Alice, "notes", ["linking"]));

        // Read afresh, the edited memory has a context: a note already, with nothing to link to, so it keeps the edit as is.
        var kept = await memory.GetAsync(TestDatabase.Alice, target);
        Assert.Equal(["urgent"], kept.Tags);
        Assert.Equal(("mine", 2), (kept.Context, kept.Version));
        Assert.Equal((1, 0), (result.Counts["noted"], result.Counts["conflicts"])); // the other memory became a note
        Assert.Equal(2, (await memory.GetAsync(TestDatabase.Alice, unrelated)).Version);
    }

    [Fact]
    public async Task A_neighbour_edited_while_a_new_note_evolves_it_keeps_the_edit_and_gets_the_back_link()
    {
        // The evolution wrote the neighbour's tags and links as read before: an edit made meanwhile was undone. Refused
        // as a conflict, the evolution is done again from the neighbour as it is now.
        var inner = new Stores.InMemory.InMemoryMemoryStore();
        await using var owner = new MemoryOS(inner, new Retrieval.Lexical.Bm25Retriever(inner));
        await owner.CreateCubeAsync(TestDatabase.Alice, "notes");
        using var first = new NoteKeeper(owner, options: Options);
        var neighbour = await first.AddAsync(TestDatabase.Alice, "notes", Draft("Camping at Lake Tahoe with the kids."));

        bool edited = false;
        var racing = InterceptedStore.Over(inner, (method, _) =>
        {
            if (method == nameof(MemoryCore.Ports.IMemoryStore.ReplaceManyAsync) && !edited)
            {
                edited = true;
                owner.UpdateAsync(TestDatabase.Alice, neighbour.Added.Id, new MemoryChange { Tags = ["urgent"] }).GetAwaiter().GetResult();
            }

            return null;
        });
        await using var other = new MemoryOS(racing, new Retrieval.Lexical.Bm25Retriever(racing));
        using var keeper = new NoteKeeper(other, options: Options);
        var added = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Lake Tahoe camping trip, the kids loved it."));

        Assert.True(edited);
        Assert.Contains(added.Links, l => l.Target == neighbour.Added.Id);
        var now = await owner.GetAsync(TestDatabase.Alice, neighbour.Added.Id);
        Assert.Contains("urgent", now.Tags);
        Assert.Contains(now.Links, l => l.Target == added.Added.Id);
    }

    private sealed class EditingExtractor(Func<Task> edit) : INoteExtractor
    {
        private readonly RuleNoteExtractor rules = new();
        private bool edited;

        public async Task<NoteAttributes> ExtractAsync(NoteInput input, CancellationToken cancellationToken = default)
        {
            if (!edited)
            {
                edited = true;
                await edit();
            }

            return await rules.ExtractAsync(input, cancellationToken);
        }
    }

    [Fact]
    public async Task Notes_written_by_another_process_are_linked_and_its_edits_are_seen()
    {
        var other = db.OpenMemory(); // a second process on the same file: its writes reach this one only through the store
        var unrelated = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("The tax office closes at five."));
        Assert.Empty(unrelated.Links);

        using var otherKeeper = new NoteKeeper(other, options: Options);
        var elsewhere = await otherKeeper.AddAsync(TestDatabase.Alice, "notes", Draft("Scuba diving lessons in Phuket went great."));
        var linked = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Booked more scuba diving in Phuket."));
        Assert.Contains(linked.Links, l => l.Target == elsewhere.Added.Id);

        // The other process gives the tax note a keyword this one's index never saw; the next note links to it by that keyword.
        var tax = await other.GetAsync(TestDatabase.Alice, unrelated.Added.Id);
        await other.UpdateAsync(TestDatabase.Alice, tax.Id, new MemoryChange { Keywords = [.. tax.Keywords, "marzipan"] });
        var sweet = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Marzipan for the office party.") with { Keywords = ["marzipan"] });
        Assert.Contains(sweet.Links, l => l.Target == tax.Id);
    }

    [Fact]
    public async Task A_dry_run_leaves_no_imagined_notes_in_the_index()
    {
        var plain = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Scuba diving lessons in Phuket went great.") { Actor = "Jolene" });

        // Dry run: the plain memory would get keywords, and so would be linkable; it is not written.
        var dry = await keeper.LinkExistingAsync(TestDatabase.Alice, plain.Id, dryRun: true);
        Assert.NotNull(dry);
        Assert.Empty((await memory.GetAsync(TestDatabase.Alice, plain.Id)).Keywords);

        // What the store holds has no keywords to share, so a related note finds nothing to link to.
        var next = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Booked more scuba diving in Phuket."));
        Assert.Empty(next.Links);
    }

    [Fact]
    public async Task More_changes_than_it_catches_up_on_make_the_keeper_read_the_cube_again()
    {
        var first = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Camping at Lake Tahoe with the kids."));

        // 1,200 memories written around the keeper (more than it reads from the feed), one of them about marzipan; the first note deleted.
        var drafts = Enumerable.Range(0, 1200).Select(i => new MemoryDraft($"Entry {i} of the ledger.") { Keywords = [$"ledger{i}"] }).ToList();
        drafts[700] = new MemoryDraft("Marzipan for the office party.") { Keywords = ["marzipan", "camping"] };
        var added = await memory.AddBatchAsync(TestDatabase.Alice, "notes", drafts);
        await memory.DeleteAsync(TestDatabase.Alice, first.Added.Id, "wrong trip");

        var next = await keeper.AddAsync(TestDatabase.Alice, "notes", Draft("Marzipan and camping at Lake Tahoe.") with { Keywords = ["marzipan", "camping", "lake tahoe"] });
        Assert.Equal([added[700].Id], next.Links.Select(l => l.Target));
    }

    private static MemoryDraft Draft(string text) => new(text) { Actor = "Melanie" };
}
