using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary>The facade end to end on the in-memory store: what an agent does, with no file behind it.</summary>
public sealed partial class MemoryOSOverInMemoryStoreTests : IAsyncLifetime
{
    private static readonly Scope Alice = new("acme", "alice");
    private static readonly Scope Bob = new("acme", "bob");
    private readonly ManualTime clock = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private MemoryOS memory = null!;

    public async Task InitializeAsync()
    {
        memory = InMemoryMemory.Open(time: clock);
        await memory.CreateCubeAsync(Alice, "notes");
    }

    public async Task DisposeAsync() => await memory.DisposeAsync();

    [Fact]
    public async Task Tenant_counts_cover_only_the_cubes_the_actor_can_read()
    {
        // A user's tenant-wide stats counted every user's memories.
        await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's private note"));
        await memory.AddAsync(Alice, "notes", new MemoryDraft("another private note"));
        await memory.CreateCubeAsync(Bob, "bobs");
        await memory.AddAsync(Bob, "bobs", new MemoryDraft("bob's note"));

        var bobs = await memory.GetStatsAsync(Bob);
        Assert.Equal((1, 1L), (bobs.Cubes, bobs.ByState.Values.Sum()));
        Assert.Null(bobs.StorageBytes);

        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.Read)]);
        var shared = await memory.GetStatsAsync(Bob);
        Assert.Equal((2, 3L), (shared.Cubes, shared.ByState.Values.Sum()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_cube_description_is_checked_as_other_text_is(bool nul)
    {
        // Built here: an attribute's string cannot carry a lone surrogate (metadata stores it as UTF-8).
        string description = nul ? "a\0b" : "half a pair " + (char)0xD800;
        // A NUL failed on PostgreSQL alone (a 500), after SQLite and the in-memory store had stored it.
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.CreateCubeAsync(Alice, "described", description));
        Assert.DoesNotContain(await memory.ListCubesAsync(Alice), c => c.Name == "described");
        Assert.Equal("shared notes", (await memory.CreateCubeAsync(Alice, "described", "  shared notes ")).Description);
    }

    [Fact]
    public async Task Added_memories_are_found_by_search_best_first()
    {
        var passport = await memory.AddAsync(Alice, "notes", new MemoryDraft("My passport expires next spring") { Tags = ["travel"] });
        await memory.AddAsync(Alice, "notes", new MemoryDraft("We had lunch by the river"));
        var running = await memory.AddAsync(Alice, "notes", new MemoryDraft("Caroline went running along the river"));

        Assert.Equal(passport.Id, Assert.Single(await memory.SearchAsync(Alice, "notes", "When does my passport expire?")).Item.Id);

        // Stemmed like SQLite's porter tokenizer: "runs" meets "running".
        Assert.Equal(running.Id, (await memory.SearchAsync(Alice, "notes", "Who runs by the river?"))[0].Item.Id);
        Assert.False((await memory.AddAsync(Alice, "notes", new MemoryDraft(" My passport expires next spring "))).Created);
    }

    [Fact]
    public async Task Updates_write_versions_that_history_keeps_and_search_follows()
    {
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice lives in Berlin"))).Id;
        clock.Advance(TimeSpan.FromDays(1));
        var v2 = await memory.UpdateAsync(Alice, id, new MemoryChange { Text = "Alice lives in Munich", Reason = "she moved" });

        Assert.Equal((2, clock.Now), (v2.Version, v2.UpdatedAt));
        var history = await memory.GetHistoryAsync(Alice, id);
        Assert.Equal(["Alice lives in Berlin", "Alice lives in Munich"], history.Select(h => h.Text));
        Assert.Equal((LifecycleState.Superseded, "she moved"), (history[0].State, history[0].StateReason));
        Assert.Empty(await memory.SearchAsync(Alice, "notes", "Berlin"));
        Assert.Equal(id, Assert.Single(await memory.SearchAsync(Alice, "notes", "Munich")).Item.Id);
        Assert.Equal(["add", "update", "recall"], (await memory.GetAuditAsync(Alice, id)).Select(a => a.Action)); // a new text is a recall
    }

    [Fact]
    public async Task A_fact_given_only_an_end_in_the_past_starts_no_later_than_it_ends_and_stays_editable()
    {
        // The start defaulted to now after the interval was checked: "lived in Paris until 2024" was stored ending before
        // it began, and every later edit of it (a tag) was refused, as was the import of its cube's export.
        var until = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Lived in Paris") { ValidTo = until })).Id;
        var stored = await memory.GetAsync(Alice, id);
        Assert.Equal((until, until), (stored.ValidFrom, stored.ValidTo));
        Assert.Equal(["home"], (await memory.UpdateAsync(Alice, id, new MemoryChange { Tags = ["home"] })).Tags);

        // An end after now keeps the default start, now; a start the caller gives is never moved: a backwards one is refused.
        var later = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Rents in Oslo") { ValidTo = clock.Now.AddYears(1) })).Id;
        Assert.Equal(clock.Now, (await memory.GetAsync(Alice, later)).ValidFrom);
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(Alice, "notes", new MemoryDraft("Backwards") { ValidFrom = until, ValidTo = until.AddDays(-1) }));
    }

    [Fact]
    public async Task Delete_leaves_a_tombstone_and_purge_removes_the_memory_for_good()
    {
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("The wifi password is hunter2"))).Id;

        Assert.Equal(LifecycleState.Deleted, (await memory.DeleteAsync(Alice, id, "secret")).State);
        Assert.Empty(await memory.SearchAsync(Alice, "notes", "wifi password"));
        Assert.Equal(2, (await memory.GetHistoryAsync(Alice, id)).Count);
        await Assert.ThrowsAsync<MemoryStateException>(() => memory.UpdateAsync(Alice, id, new MemoryChange { Text = "changed" }));

        await memory.PurgeAsync(Alice, id);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, id));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.PurgeAsync(Alice, id));
        Assert.Contains(await memory.GetAuditAsync(Alice), a => a.Action == "purge" && a.MemoryId == id.ToString());
        Assert.Equal(0, (await memory.GetStatsAsync(Alice, "notes")).ByState.Values.Sum());
    }

    [Fact]
    public async Task Grants_decide_who_else_may_read_or_write_a_cube()
    {
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("quarterly numbers"))).Id;
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.GetAsync(Bob, id));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SearchAsync(Bob, "notes", "numbers"));

        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.Read)]);
        Assert.Equal("quarterly numbers", (await memory.GetAsync(Bob, id)).Text);
        Assert.Single(await memory.SearchAsync(Bob, "notes", "numbers"));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.AddAsync(Bob, "notes", new MemoryDraft("bob was here")));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SetGrantsAsync(Bob, "notes", []));

        // Another tenant does not even see the memory exists.
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(new Scope("globex", "alice"), id));
    }

    [Fact]
    public async Task Frozen_memories_refuse_writes_and_a_full_cube_refuses_the_whole_batch()
    {
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Signed contract terms"))).Id;
        await memory.SetStateAsync(Alice, id, LifecycleState.Frozen, "legal hold");
        await Assert.ThrowsAsync<MemoryFrozenException>(() => memory.UpdateAsync(Alice, id, new MemoryChange { Text = "changed" }));
        await Assert.ThrowsAsync<MemoryFrozenException>(() => memory.PurgeAsync(Alice, id));

        await memory.CreateCubeAsync(Alice, "small", policy: new CubePolicy { MaxItems = 2 });
        await memory.AddAsync(Alice, "small", new MemoryDraft("one"));
        await Assert.ThrowsAsync<CubeFullException>(() => memory.AddBatchAsync(Alice, "small", [new MemoryDraft("two"), new MemoryDraft("three")]));
        Assert.Equal(1, (await memory.GetStatsAsync(Alice, "small")).ByState.Values.Sum());
    }

    [Fact]
    public async Task Searching_with_recall_reinforces_the_hits_in_place()
    {
        var id = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice plays the cello"))).Id;
        clock.Advance(TimeSpan.FromDays(2));

        Assert.Single(await memory.SearchAsync(Alice, "notes", "cello", new MemoryCore.Search.SearchOptions { RecordRecall = true }));

        var after = await memory.GetAsync(Alice, id);
        Assert.Equal((1, clock.Now, 1), (after.RecallCount, after.LastRecalledAt!.Value, after.Version));
        Assert.True(after.Strength > 1);
        Assert.StartsWith("search; strength 1 -> ", Assert.Single(await memory.GetAuditAsync(Alice, id), a => a.Action == "recall").Detail, StringComparison.Ordinal);
    }
}
