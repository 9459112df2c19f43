using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Batches are all-or-nothing; content-hash de-duplication returns the memory already there.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task A_batch_over_the_cube_item_limit_stores_nothing()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("small");
        var limit = new AddOptions(Deduplicate: true, MaxLiveItems: 3);
        await s.AddAsync([s.Item(cube, "one"), s.Item(cube, "two")], limit);
        long sequence = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);

        var full = await Assert.ThrowsAsync<CubeFullException>(() => s.AddAsync([s.Item(cube, "three"), s.Item(cube, "four")], limit));
        // Named as its callers name it: the internal id told a caller of a name-based API nothing.
        Assert.StartsWith("Cube 'small' would hold 4 live memories; its policy allows 3.", full.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(cube.Id, full.Message, StringComparison.Ordinal);

        await AssertBatchLeftNothingAsync(s, cube, expectedMemories: 2, sequence, "four");

        // A duplicate takes no room; a batch that fits is stored.
        var fits = await s.AddAsync([s.Item(cube, "one"), s.Item(cube, "three")], limit);
        Assert.Equal([false, true], fits.Select(o => o.Created));
        Assert.Equal(3, (await s.ListAllAsync(cube.Id)).Count);
    }

    [SkippableFact]
    public async Task A_batch_with_a_repeated_id_stores_nothing()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var second = s.Item(cube, "second");
        var batch = new[] { s.Item(cube, "first"), second, s.Item(cube, "third reuses an id") with { Id = second.Id } };

        await Assert.ThrowsAsync<MemoryStateException>(() => s.AddAsync(batch));

        await AssertBatchLeftNothingAsync(s, cube, expectedMemories: 0, expectedSequence: 0, "first");
    }

    /// <summary>
    /// An add that reuses a stored memory's id, with other content or in another cube, is a <see cref="MemoryStateException"/>
    /// and stores nothing of its batch; another tenant's add of the id is stored (ids unique per tenant) or refused the same
    /// way (unique in the database), and leaves the first memory as it was. SQLite threw its unique constraint's raw error.
    /// </summary>
    [SkippableFact]
    public async Task An_add_reusing_a_stored_memorys_id_is_refused_as_a_state_error_and_stores_nothing()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var other = await s.CreateCubeAsync("other");
        var stored = await s.AddAsync(cube, "stored first");
        long sequence = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);

        foreach (var reuse in new[] { s.Item(cube, "other words") with { Id = stored.Id }, s.Item(other, stored.Text) with { Id = stored.Id } })
        {
            await Assert.ThrowsAsync<MemoryStateException>(() => s.AddAsync([s.Item(cube, "fresh"), reuse]));
            await AssertBatchLeftNothingAsync(s, cube, expectedMemories: 1, sequence, "fresh");
        }

        var theirs = await s.CreateCubeAsync("notes", tenant: StoreScenario.NewTenant());
        var error = await Record.ExceptionAsync(() => s.AddAsync([s.Item(theirs, "theirs") with { Id = stored.Id }]));
        Assert.True(error is null or MemoryStateException, error?.ToString());
        StoreScenario.AssertSameMemory(stored, (await s.Store.GetAsync(s.Tenant, stored.Id))!);
    }

    [SkippableFact]
    public async Task A_batch_naming_a_cube_the_tenant_lacks_stores_nothing()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var foreignCube = await s.CreateCubeAsync("theirs", tenant: StoreScenario.NewTenant());
        var batch = new[] { s.Item(cube, "first"), s.Item(cube, "second") with { CubeId = foreignCube.Id } };

        await Assert.ThrowsAsync<CubeNotFoundException>(() => s.AddAsync(batch));

        await AssertBatchLeftNothingAsync(s, cube, expectedMemories: 0, expectedSequence: 0, "first");
        Assert.Empty(await s.Store.ListAsync(foreignCube.Owner.Tenant, StoreScenario.AllStates(), 10));
    }

    [SkippableFact]
    public async Task A_batch_holding_another_tenants_memory_is_refused_whole()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var theirs = await s.CreateCubeAsync("notes", tenant: StoreScenario.NewTenant());
        var batch = new[] { s.Item(cube, "first"), s.Item(theirs, "smuggled") };

        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => s.Store.AddAsync(s.Tenant, batch, new AddOptions(false), s.Audit("add")));

        await AssertBatchLeftNothingAsync(s, cube, expectedMemories: 0, expectedSequence: 0, "first");
        Assert.Empty(await s.Store.ListAsync(theirs.Owner.Tenant, StoreScenario.AllStates(), 10));
    }

    [SkippableFact]
    public async Task Deduplication_returns_the_memory_already_holding_the_content_in_the_cube()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var other = await s.CreateCubeAsync("other");
        var dedupe = new AddOptions(Deduplicate: true);
        var original = s.Item(cube, "Bob's birthday is March 3");
        Assert.True(Assert.Single(await s.AddAsync([original], dedupe)).Created);
        int auditLines = (await s.Store.ReadAuditAsync(s.Tenant)).Count;

        Assert.Equal(new AddOutcome(original.Id, false), Assert.Single(await s.AddAsync([s.Item(cube, original.Text)], dedupe)));
        Assert.Single(await s.ListAllAsync(cube.Id));
        Assert.Equal(auditLines, (await s.Store.ReadAuditAsync(s.Tenant)).Count);

        // Within one batch the first copy is stored and the next ones point at it.
        var twice = s.Item(cube, "same twice");
        var batch = await s.AddAsync([twice, s.Item(cube, "same twice"), s.Item(cube, "something else")], dedupe);
        Assert.Equal([new AddOutcome(twice.Id, true), new AddOutcome(twice.Id, false)], batch.Take(2));
        Assert.True(batch[2].Created);

        // Another cube, or a batch that does not ask for it, gets a copy.
        Assert.True(Assert.Single(await s.AddAsync([s.Item(other, original.Text)], dedupe)).Created);
        Assert.True(Assert.Single(await s.AddAsync([s.Item(cube, "Bob's birthday is March 3")])).Created);

        // Deleted content no longer blocks a re-add; archived content still does (it is kept, just out of default reads).
        var deleted = await s.SetStateAsync(await s.AddAsync(cube, "a deleted fact"), LifecycleState.Deleted, "wrong");
        Assert.True(Assert.Single(await s.AddAsync([s.Item(cube, deleted.Text)], dedupe)).Created);
        var archived = await s.SetStateAsync(await s.AddAsync(cube, "an archived fact"), LifecycleState.Archived, "faded");
        Assert.Equal(new AddOutcome(archived.Id, false), Assert.Single(await s.AddAsync([s.Item(cube, archived.Text)], dedupe)));
    }

    [SkippableFact]
    public async Task Deduplication_keeps_each_user_and_agent_their_own_copy_in_a_shared_cube()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("team");
        var dedupe = new AddOptions(Deduplicate: true);
        const string text = "The user is vegetarian.";
        MemoryItem As(string? user, string? agent) => s.Item(cube, text) with { Scope = new Scope(s.Tenant, user, agent) };
        var alice = As("alice", null);
        Assert.True(Assert.Single(await s.AddAsync([alice], dedupe)).Created);

        // Bob's identical fact is his, not Alice's; so is a copy Alice's agent wrote, and one of no user.
        var bob = As("bob", null);
        var aliceViaAgent = As("alice", "planner");
        var nobody = As(null, null);
        var outcomes = await s.AddAsync([bob, aliceViaAgent, nobody], dedupe);
        Assert.Equal([new AddOutcome(bob.Id, true), new AddOutcome(aliceViaAgent.Id, true), new AddOutcome(nobody.Id, true)], outcomes);

        // Each owner's restatement finds their own copy, within a batch and from the store.
        var again = await s.AddAsync([As("bob", null), As("alice", null), As("alice", "planner"), As(null, null)], dedupe);
        Assert.Equal([bob.Id, alice.Id, aliceViaAgent.Id, nobody.Id], again.Select(o => o.Id));
        Assert.All(again, o => Assert.False(o.Created));
        var carol = As("carol", null);
        var batch = await s.AddAsync([carol, As("carol", null), As("dave", null)], dedupe);
        Assert.Equal([true, false, true], batch.Select(o => o.Created));
        Assert.Equal(carol.Id, batch[1].Id);
        Assert.Equal(6, (await s.ListAllAsync(cube.Id)).Count);
    }

    [SkippableFact]
    public async Task Deduplication_keeps_each_speaker_their_own_copy_and_finds_a_speaker_s_restatement_in_another_session()
    {
        // A chat ingested into one user's cube: Bob's "I just moved to Berlin." is his fact, not Alice's, whatever the
        // words. The same speaker saying it again, in another session, is the same fact.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var dedupe = new AddOptions(Deduplicate: true);
        const string text = "I just moved to Berlin.";
        MemoryItem Said(string? speaker, string session) => s.Item(cube, text) with
        {
            Scope = new Scope(s.Tenant, "alice", session: session),
            Provenance = new Provenance(SourceKind.Conversation, null, speaker, s.Now),
        };

        var alice = Said("Alice", "s1");
        Assert.True(Assert.Single(await s.AddAsync([alice], dedupe)).Created);
        var bob = Said("Bob", "s2");
        var unnamed = Said(null, "s2");
        Assert.Equal([new AddOutcome(bob.Id, true), new AddOutcome(unnamed.Id, true), new AddOutcome(bob.Id, false)], await s.AddAsync([bob, unnamed, Said("Bob", "s2")], dedupe));

        // Each speaker's restatement in a later session finds their own copy, from the store.
        var again = await s.AddAsync([Said("Alice", "s3"), Said("Bob", "s3"), Said(null, "s3")], dedupe);
        Assert.Equal([alice.Id, bob.Id, unnamed.Id], again.Select(o => o.Id));
        Assert.All(again, o => Assert.False(o.Created));
        Assert.Equal(3, (await s.ListAllAsync(cube.Id)).Count);
    }

    [SkippableFact]
    public async Task Deduplication_by_source_reference_keeps_each_source_its_own_memory_and_finds_the_same_one_again()
    {
        // A conversation import: two turns with the same words are two memories; the same turn added again is one.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var bySource = new AddOptions(Deduplicate: true, MatchSourceRef: true);
        MemoryItem Turn(string? reference) => s.Item(cube, "Yes, definitely.") with { Provenance = new Provenance(SourceKind.Conversation, reference, null, s.Now) };
        var maya = Turn("trip/s1:2");
        var leo = Turn("trip/s4:2");
        Assert.Equal([new AddOutcome(maya.Id, true), new AddOutcome(leo.Id, true), new AddOutcome(leo.Id, false)], await s.AddAsync([maya, leo, Turn("trip/s4:2")], bySource));

        // From the store, with or without a reference; content alone still matches as before.
        var unreferenced = Turn(null);
        var again = await s.AddAsync([Turn("trip/s1:2"), Turn("trip/s4:2"), unreferenced, Turn(null)], bySource);
        Assert.Equal([new AddOutcome(maya.Id, false), new AddOutcome(leo.Id, false), new AddOutcome(unreferenced.Id, true), new AddOutcome(unreferenced.Id, false)], again);
        Assert.False(Assert.Single(await s.AddAsync([Turn("elsewhere")], new AddOptions(Deduplicate: true))).Created);
        Assert.Equal(3, (await s.ListAllAsync(cube.Id)).Count);
    }

    private static async Task AssertBatchLeftNothingAsync(StoreScenario s, MemCube cube, int expectedMemories, long expectedSequence, string word)
    {
        Assert.Equal(expectedMemories, (await s.ListAllAsync()).Count);
        Assert.Equal(expectedMemories, (await s.Store.ReadAuditAsync(s.Tenant)).Count(a => a.Action == "add"));
        Assert.Equal(expectedSequence, await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id));
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery([word], StoreScenario.AllStates(), 10)));
        Assert.Equal(expectedMemories, (await s.Store.GetStatsAsync(s.Tenant, null)).ByState.Values.Sum());
    }
}
