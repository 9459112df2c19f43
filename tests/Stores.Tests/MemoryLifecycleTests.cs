using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.Stores.Tests;

public sealed class MemoryLifecycleTests : IAsyncLifetime
{
    private readonly TestDatabase db = new();
    private MemoryOS memory = null!;
    private MemCube cube = null!;

    public async Task InitializeAsync()
    {
        memory = db.OpenMemory();
        cube = await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
    }

    public async Task DisposeAsync() => await db.DisposeAsync();

    [Fact]
    public async Task Add_then_get_returns_the_memory_with_provenance_and_event_time()
    {
        var when = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var added = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice adopted a cat named Miso")
        {
            Tags = ["pets", "Pets", " home "],
            ValidFrom = when,
            Actor = "Alice",
            SourceRef = "chat/1:4",
            Session = "s1",
        });

        Assert.True(added.Created);
        var item = await memory.GetAsync(TestDatabase.Alice, added.Id);
        Assert.Equal("Alice adopted a cat named Miso", item.Text);
        Assert.Equal(1, item.Version);
        Assert.Equal(LifecycleState.Active, item.State);
        Assert.Equal(["pets", "home"], item.Tags);
        Assert.Equal(when, item.ValidFrom);
        Assert.Equal("Alice", item.Provenance.Actor);
        Assert.Equal("chat/1:4", item.Provenance.SourceRef);
        Assert.Equal("s1", item.Scope.Session);
        Assert.Equal(cube.Id, item.CubeId);
        Assert.Equal(64, item.ContentHash.Length);
        Assert.Null(item.StateReason);
    }

    [Fact]
    public async Task A_reason_given_at_writing_is_the_first_versions_state_reason_and_the_adds_audit_detail_and_an_edit_does_not_inherit_it()
    {
        var added = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice adopted a cat named Miso") { Reason = "  from the onboarding form " });
        var item = await memory.GetAsync(TestDatabase.Alice, added.Id);
        Assert.Equal("from the onboarding form", item.StateReason);

        var edited = await memory.UpdateAsync(TestDatabase.Alice, added.Id, new MemoryChange { Text = "Alice adopted a cat named Mochi", Reason = "name fixed" });
        Assert.Null(edited.StateReason); // the reason belonged to the version written then
        Assert.Equal("name fixed", (await memory.GetHistoryAsync(TestDatabase.Alice, added.Id))[0].StateReason);
        var trail = await memory.GetAuditAsync(TestDatabase.Alice, added.Id);
        Assert.Equal([("add", "from the onboarding form"), ("update", "name fixed")], trail.Take(2).Select(a => (a.Action, a.Detail)));
        Assert.StartsWith("edit;", Assert.Single(trail, a => a.Action == "recall").Detail, StringComparison.Ordinal); // the edit's recall, not its reason
    }

    [Fact]
    public async Task Update_writes_a_new_version_and_history_keeps_the_superseded_one_with_its_reason()
    {
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice lives in Berlin"))).Id;
        var v2 = await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Text = "Alice lives in Munich", Reason = "she moved" });
        var v3 = await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Tags = ["city"] });

        Assert.Equal(2, v2.Version);
        Assert.Equal(3, v3.Version);
        var history = await memory.GetHistoryAsync(TestDatabase.Alice, id);
        Assert.Equal([1, 2, 3], history.Select(h => h.Version));
        Assert.Equal("Alice lives in Berlin", history[0].Text);
        Assert.Equal(LifecycleState.Superseded, history[0].State);
        Assert.Equal("she moved", history[0].StateReason);
        Assert.Equal(LifecycleState.Superseded, history[1].State);
        Assert.Equal("Alice lives in Munich", history[1].Text);
        Assert.Equal(LifecycleState.Active, history[2].State);
        Assert.Equal(["city"], history[2].Tags);

        var current = await memory.GetAsync(TestDatabase.Alice, id);
        Assert.Equal("Alice lives in Munich", current.Text);
        Assert.Equal(3, current.Version);

        // Search sees only the current text.
        Assert.Empty(await memory.SearchAsync(TestDatabase.Alice, "notes", "Berlin"));
        Assert.Equal(id, Assert.Single(await memory.SearchAsync(TestDatabase.Alice, "notes", "Munich")).Item.Id);
    }

    [Fact]
    public async Task An_update_that_changes_nothing_writes_no_version()
    {
        // Each version copies the whole memory into the history: a batch naming one id thousands of times with nothing
        // to change wrote thousands of copies.
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice lives in Berlin") { Tags = ["city"], Importance = 0.7 })).Id;
        var same = await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange());
        var again = await memory.UpdateManyAsync(TestDatabase.Alice, [new MemoryUpdate(id, new MemoryChange { Text = "Alice lives in Berlin", Tags = ["city"], Importance = 0.7, Reason = "no news" }), new MemoryUpdate(id, new MemoryChange())]);

        Assert.Equal([1, 1, 1], new[] { same.Version, again[0].Version, again[1].Version });
        Assert.Single(await memory.GetHistoryAsync(TestDatabase.Alice, id));
        Assert.Equal(2, (await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Importance = 0.8 })).Version);
    }

    [Fact]
    public async Task A_text_stored_before_todays_rules_does_not_block_edits_of_its_other_fields()
    {
        // SQLite kept NULs before they were refused: such a memory must still take a new tag (a note's evolution, a merge).
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("old text"))).Id;
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = "UPDATE memories SET text = 'old' || char(0) || 'text' WHERE id = $id;";
            cmd.Parameters.AddWithValue("$id", id.ToString());
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        var tagged = await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Tags = ["legacy"] });
        Assert.Equal((2, "old\0text"), (tagged.Version, tagged.Text));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Text = "new\0text" }));
    }

    [Fact]
    public async Task Links_and_payload_references_are_checked_so_the_cube_stays_exportable()
    {
        var target = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice lives in Berlin"))).Id;
        foreach (var link in new[] { new MemoryLink(target, null!), new MemoryLink(target, " "), new MemoryLink(target, "related", double.NaN), new MemoryLink(target, "related", double.PositiveInfinity), new MemoryLink(target, "related", 2), new MemoryLink(target, "related", -0.5), new MemoryLink(target, "related", 1e300) })
        {
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("a") { Links = [link] }));
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateAsync(TestDatabase.Alice, target, new MemoryChange { Links = [link] }));
        }

        // An undefined kind or source was stored as its number; the cube's export then could not be imported.
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("x") { Source = (SourceKind)7 }));
        var kv = new PayloadRef("file:///tmp/x.amkv", "application/x", 1, new string('a', 64));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("x") { Kind = (MemoryKind)5, Payload = kv }));

        foreach (var payload in new[] { new PayloadRef("file:///tmp/x.amkv", null!, 1, new string('a', 64)), new PayloadRef("file:///tmp/x.amkv", "application/x", 1, null!), new PayloadRef("file:///tmp/x.amkv", "application/x", 1, new string('z', 64)) })
        {
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("kv") { Kind = MemoryKind.Activation, Payload = payload }));
        }

        var linked = await memory.GetAsync(TestDatabase.Alice, (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("b") { Links = [new MemoryLink(target, " related ", 0.5)] })).Id);
        Assert.Equal("related", Assert.Single(linked.Links).Type);
        var bounds = await memory.GetAsync(TestDatabase.Alice, (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("c") { Links = [new MemoryLink(target, "related", 0), new MemoryLink(target, "supports", 1)] })).Id);
        Assert.Equal([0.0, 1.0], bounds.Links.Select(l => l.Weight));
        Assert.Equal(1, (await memory.GetAsync(TestDatabase.Alice, target)).Version);
    }

    [Fact]
    public async Task A_link_stored_before_weights_were_checked_does_not_block_edits_but_a_new_one_is_checked()
    {
        var target = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice lives in Berlin"))).Id;
        var other = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice works in Potsdam"))).Id;
        var source = await memory.GetAsync(TestDatabase.Alice, (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice commutes by train"))).Id);
        var legacy = new MemoryLink(target, "related", 5);
        await using (var store = db.OpenStore())
        {
            var next = source with { Links = [legacy], Version = source.Version + 1, UpdatedAt = source.UpdatedAt.AddSeconds(1) };
            await store.ReplaceAsync("acme", source, next, new AuditRecord(next.UpdatedAt, "acme", "alice", null, "update", cube.Id, source.Id.ToString(), next.Version, null));
        }

        // Writers that carry a memory's links over (a tag edit, a note's back-link, a restated fact) must still work.
        var tagged = await memory.UpdateAsync(TestDatabase.Alice, source.Id, new MemoryChange { Tags = ["travel"] });
        var linked = await memory.UpdateAsync(TestDatabase.Alice, source.Id, new MemoryChange { Links = [.. tagged.Links, new MemoryLink(other, "related", 0.5)] });
        Assert.Equal([legacy, new MemoryLink(other, "related", 0.5)], linked.Links);
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateAsync(TestDatabase.Alice, source.Id, new MemoryChange { Links = [legacy with { Weight = 6 }] }));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateAsync(TestDatabase.Alice, source.Id, new MemoryChange { Links = [legacy with { Type = "supports" }] }));
    }

    [Fact]
    public async Task Soft_delete_leaves_a_tombstone_that_list_and_search_skip()
    {
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("The wifi password is hunter2"))).Id;
        var deleted = await memory.DeleteAsync(TestDatabase.Alice, id, "secret");

        Assert.Equal(LifecycleState.Deleted, deleted.State);
        Assert.Equal(LifecycleState.Deleted, (await memory.GetAsync(TestDatabase.Alice, id)).State);
        Assert.Empty(await memory.SearchAsync(TestDatabase.Alice, "notes", "wifi password"));
        Assert.Empty(await ToListAsync(memory.ListAsync(TestDatabase.Alice, "notes")));
        Assert.Single(await ToListAsync(memory.ListAsync(TestDatabase.Alice, "notes", new MemoryFilter { States = [LifecycleState.Deleted] })));
        Assert.Equal(2, (await memory.GetHistoryAsync(TestDatabase.Alice, id)).Count);
        await Assert.ThrowsAsync<MemoryStateException>(() => memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Text = "x y" }));
    }

    [Fact]
    public async Task A_deleted_or_superseded_memory_is_not_frozen_back_into_retrieval()
    {
        var deleted = await memory.DeleteAsync(TestDatabase.Alice, (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("old address 12 Elm Street"))).Id, "moved");
        var superseded = await memory.SupersedeAsync(TestDatabase.Alice, (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("old phone 555 0100 Elm"))).Id, "new phone");

        foreach (var item in new[] { deleted, superseded })
        {
            await Assert.ThrowsAsync<MemoryStateException>(() => memory.SetStateAsync(TestDatabase.Alice, item.Id, LifecycleState.Frozen, "legal hold"));
            Assert.Equal(item.State, (await memory.GetAsync(TestDatabase.Alice, item.Id)).State);
        }

        Assert.Empty(await memory.SearchAsync(TestDatabase.Alice, "notes", "Elm"));

        // A restore is explicit, and a freeze may follow it.
        await memory.SetStateAsync(TestDatabase.Alice, deleted.Id, LifecycleState.Active, "deleted by mistake");
        Assert.Equal(LifecycleState.Frozen, (await memory.SetStateAsync(TestDatabase.Alice, deleted.Id, LifecycleState.Frozen, "legal hold")).State);
    }

    [Fact]
    public async Task Purge_removes_the_memory_from_every_table_and_the_full_text_index()
    {
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("zanzibar holiday plans") { Tags = ["travel"] })).Id;
        var other = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("links to the holiday") { Links = [new MemoryLink(id, "related")] })).Id;
        await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Text = "zanzibar holiday plans, booked", Links = [new MemoryLink(other, "related")] });

        await memory.PurgeAsync(TestDatabase.Alice, id);

        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(TestDatabase.Alice, id));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetHistoryAsync(TestDatabase.Alice, id));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.PurgeAsync(TestDatabase.Alice, id));
        var key = ("$id", (object)id.ToString());
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM memories WHERE id = $id", key));
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM memory_versions WHERE memory_id = $id", key));
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM memory_tags WHERE memory_id = $id", key));
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM memory_links WHERE source_id = $id OR target_id = $id", key));
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM memories_fts WHERE memories_fts MATCH 'zanzibar'"));
        Assert.Empty((await memory.GetAsync(TestDatabase.Alice, other)).Links);

        // The audit trail records that a purge happened, never what was purged.
        var audit = await memory.GetAuditAsync(TestDatabase.Alice);
        Assert.Contains(audit, a => a.Action == "purge" && a.MemoryId == id.ToString());
        Assert.DoesNotContain(audit, a => a.Detail?.Contains("zanzibar", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Frozen_memories_refuse_writes_until_unfrozen()
    {
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Signed contract terms"))).Id;
        await memory.SetStateAsync(TestDatabase.Alice, id, LifecycleState.Frozen, "legal hold");

        await Assert.ThrowsAsync<MemoryFrozenException>(() => memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Text = "changed" }));
        await Assert.ThrowsAsync<MemoryFrozenException>(() => memory.DeleteAsync(TestDatabase.Alice, id));
        await Assert.ThrowsAsync<MemoryFrozenException>(() => memory.PurgeAsync(TestDatabase.Alice, id));
        await Assert.ThrowsAsync<MemoryFrozenException>(() => memory.SetStateAsync(TestDatabase.Alice, id, LifecycleState.Archived));
        Assert.Single(await memory.SearchAsync(TestDatabase.Alice, "notes", "contract"));

        await memory.SetStateAsync(TestDatabase.Alice, id, LifecycleState.Active);
        var updated = await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Text = "Signed contract terms v2" });
        Assert.Equal(4, updated.Version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t\n")]
    public async Task Blank_content_is_refused(string text)
    {
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(text)));
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_text_of_a_memory_is_checked_not_only_its_text()
    {
        // A NUL is refused everywhere (PostgreSQL's text cannot hold one: the same add failed there with a provider error).
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("pass\0port")));

        // Context, actor, source reference and reasons were only trimmed: any size, broken UTF-16, NULs.
        string huge = new('x', ContentRules.MaxNoteBytes + 1);
        await Assert.ThrowsAsync<ContentTooLargeException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("a") { Context = huge }));
        await Assert.ThrowsAsync<ContentTooLargeException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("a") { Reason = huge }));
        await Assert.ThrowsAsync<ContentTooLargeException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("a") { Actor = new string('a', ContentRules.MaxReferenceBytes + 1) }));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("a") { Context = "said \uD800 here" }));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("a") { SourceRef = "D1:\0" }));

        var item = await memory.GetAsync(TestDatabase.Alice, (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("kept") { Context = "  a sentence  ", Actor = " Ann " })).Id);
        Assert.Equal(("a sentence", "Ann"), (item.Context, item.Provenance.Actor));
        await Assert.ThrowsAsync<ContentTooLargeException>(() => memory.UpdateAsync(TestDatabase.Alice, item.Id, new MemoryChange { Context = huge }));
        await Assert.ThrowsAsync<ContentTooLargeException>(() => memory.UpdateAsync(TestDatabase.Alice, item.Id, new MemoryChange { Importance = 0.9, Reason = huge }));
        await Assert.ThrowsAsync<ContentTooLargeException>(() => memory.SetStateAsync(TestDatabase.Alice, item.Id, LifecycleState.Archived, huge));
        await Assert.ThrowsAsync<ContentTooLargeException>(() => memory.DeleteAsync(TestDatabase.Alice, item.Id, huge));
        await Assert.ThrowsAsync<ContentTooLargeException>(() => memory.PurgeAsync(TestDatabase.Alice, item.Id, huge));
        Assert.Equal((1, LifecycleState.Active), ((await memory.GetAsync(TestDatabase.Alice, item.Id)).Version, (await memory.GetAsync(TestDatabase.Alice, item.Id)).State));
    }

    [Fact]
    public async Task Content_over_the_limit_and_broken_utf16_are_refused_with_typed_errors()
    {
        var big = new string('a', (4 * 1024 * 1024) + 1);
        var tooLarge = await Assert.ThrowsAsync<ContentTooLargeException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(big)));
        Assert.Contains("4,194,304", tooLarge.Message, StringComparison.Ordinal);

        // Exactly at the limit is fine (multi-byte characters count as their UTF-8 length).
        await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(new string('é', 2 * 1024 * 1024)));

        var broken = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("bad \uD800 surrogate")));
        Assert.Contains("surrogate", broken.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("reversed \uDC00\uD800 pair")));

        var small = new MemoryOS(db.OpenStore(), new AgentMem.Retrieval.Lexical.Bm25Retriever(db.OpenStore()), new MemoryOSOptions { MaxContentBytes = 32 });
        await Assert.ThrowsAsync<ContentTooLargeException>(() => small.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("this sentence is longer than thirty-two bytes")));
    }

    [Fact]
    public async Task Unknown_ids_and_cubes_give_typed_errors()
    {
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(TestDatabase.Alice, MemoryId.NewId()));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.UpdateAsync(TestDatabase.Alice, MemoryId.NewId(), new MemoryChange { Text = "x" }));
        await Assert.ThrowsAsync<CubeNotFoundException>(() => memory.AddAsync(TestDatabase.Alice, "no-such-cube", new MemoryDraft("x")));
        await Assert.ThrowsAsync<CubeNotFoundException>(() => memory.SearchAsync(TestDatabase.Alice, "no-such-cube", "x"));
        await Assert.ThrowsAsync<CubeAlreadyExistsException>(() => memory.CreateCubeAsync(TestDatabase.Alice, "notes"));
    }

    [Fact]
    public async Task A_batch_with_one_bad_item_stores_nothing()
    {
        var drafts = Enumerable.Range(0, 50).Select(i => new MemoryDraft($"fact number {i}")).Append(new MemoryDraft(" ")).ToList();
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddBatchAsync(TestDatabase.Alice, "notes", drafts));
        Assert.Contains("Item 50", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM memories"));
    }

    [Fact]
    public async Task A_batch_failing_inside_the_transaction_is_rolled_back_whole()
    {
        await using var store = db.OpenStore();
        var now = DateTimeOffset.UtcNow;
        MemoryItem Item(MemoryId id, string text) => new()
        {
            Id = id,
            CubeId = cube.Id,
            Scope = TestDatabase.Alice,
            Text = text,
            ContentHash = MemoryCore.Validation.ContentRules.ComputeHash(MemoryKind.Plaintext, text, null),
            Provenance = new Provenance(SourceKind.Tool, null, null, now),
            UpdatedAt = now,
        };

        var dup = MemoryId.NewId();
        var batch = new[] { Item(MemoryId.NewId(), "first"), Item(dup, "second"), Item(dup, "third reuses an id") };
        var audit = new AuditRecord(now, "acme", "alice", null, "add", cube.Id, null, 1, null);
        await Assert.ThrowsAnyAsync<Exception>(() => store.AddAsync("acme", batch, new AddOptions(Deduplicate: false), audit));
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM memories"));
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'add'"));
        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM memories_fts WHERE memories_fts MATCH 'first'"));
    }

    [Fact]
    public async Task Identical_content_is_deduplicated_within_a_cube_unless_the_policy_says_otherwise()
    {
        var a = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Bob's birthday is March 3"));
        var b = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("  Bob's birthday is March 3 "));
        Assert.False(b.Created);
        Assert.Equal(a.Id, b.Id);

        var batch = await memory.AddBatchAsync(TestDatabase.Alice, "notes", [new MemoryDraft("same twice"), new MemoryDraft("same twice")]);
        Assert.Equal(batch[0].Id, batch[1].Id);

        await memory.CreateCubeAsync(TestDatabase.Alice, "raw", policy: new CubePolicy { Deduplicate = false });
        var c = await memory.AddAsync(TestDatabase.Alice, "raw", new MemoryDraft("Bob's birthday is March 3"));
        var d = await memory.AddAsync(TestDatabase.Alice, "raw", new MemoryDraft("Bob's birthday is March 3"));
        Assert.NotEqual(c.Id, d.Id);

        // A deleted memory no longer blocks re-adding its content.
        await memory.DeleteAsync(TestDatabase.Alice, a.Id);
        Assert.True((await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Bob's birthday is March 3"))).Created);
    }

    [Fact]
    public async Task Identical_words_of_two_speakers_are_two_memories_and_one_speaker_restating_them_in_another_session_is_one()
    {
        // An ingested chat: Bob's turn was folded into Alice's identical one, so his fact and his session were lost.
        var alice = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("I just moved to Berlin.") { Actor = "Alice", Session = "s1" });
        var bob = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("I just moved to Berlin.") { Actor = "Bob", Session = "s2" });
        Assert.True(bob.Created);
        Assert.NotEqual(alice.Id, bob.Id);
        var stored = await memory.GetAsync(TestDatabase.Alice, bob.Id);
        Assert.Equal(("Bob", "s2"), (stored.Provenance.Actor, stored.Scope.Session));

        var restated = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("I just moved to Berlin.") { Actor = "Alice", Session = "s3" });
        Assert.False(restated.Created);
        Assert.Equal(alice.Id, restated.Id);
        Assert.Equal(2, await memory.CountAsync(TestDatabase.Alice, "notes"));
    }

    [Fact]
    public async Task An_update_made_from_an_older_version_is_refused_and_writes_nothing()
    {
        var block = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Likes: tea"));
        var other = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Lives in Oslo"));
        var read = await memory.GetAsync(TestDatabase.Alice, block.Id);

        // Two writers append to what they read; the second one's version is gone, so it is refused, not lost over.
        var first = await memory.UpdateAsync(TestDatabase.Alice, block.Id, new MemoryChange { Text = read.Text + ", chess", ExpectedVersion = read.Version });
        var stale = await Assert.ThrowsAsync<MemoryStateException>(() => memory.UpdateAsync(TestDatabase.Alice, block.Id, new MemoryChange { Text = read.Text + ", hiking", ExpectedVersion = read.Version }));
        Assert.Contains($"version {first.Version}, not {read.Version}", stale.Message, StringComparison.Ordinal);
        Assert.Equal("Likes: tea, chess", (await memory.GetAsync(TestDatabase.Alice, block.Id)).Text);

        // In a batch, one stale change refuses the whole batch.
        await Assert.ThrowsAsync<MemoryStateException>(() => memory.UpdateManyAsync(TestDatabase.Alice,
        [
            new MemoryUpdate(other.Id, new MemoryChange { Text = "Lives in Bergen", ExpectedVersion = 1 }),
            new MemoryUpdate(block.Id, new MemoryChange { Text = "Likes: coffee", ExpectedVersion = read.Version }),
        ]));
        Assert.Equal("Lives in Oslo", (await memory.GetAsync(TestDatabase.Alice, other.Id)).Text);
        Assert.Equal(first.Version, (await memory.GetAsync(TestDatabase.Alice, block.Id)).Version);
    }

    [Fact]
    public async Task Restating_a_forgotten_memory_restores_it_and_counts_as_a_recall_but_an_add_alone_does_not()
    {
        var fact = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice is allergic to peanuts"));
        await memory.SetStateAsync(TestDatabase.Alice, fact.Id, LifecycleState.Archived, "faded");

        // An add (an import run again, say) names the archived memory and leaves it forgotten.
        var again = await memory.AddBatchAsync(TestDatabase.Alice, "notes", [new MemoryDraft("Alice is allergic to peanuts"), new MemoryDraft("Alice is allergic to peanuts")]);
        Assert.All(again, o => Assert.Equal(new AddOutcome(fact.Id, false), o));
        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(TestDatabase.Alice, fact.Id)).State);

        // A restatement brings it back, once, as a recall.
        Assert.Equal([fact.Id], await memory.RestoreRestatedAsync(TestDatabase.Alice, again));
        var restored = await memory.GetAsync(TestDatabase.Alice, fact.Id);
        Assert.Equal((LifecycleState.Active, "restated: restored from the archive", 1), (restored.State, restored.StateReason, restored.RecallCount));

        // An active duplicate is left as it is: no new version, no recall.
        Assert.Empty(await memory.RestoreRestatedAsync(TestDatabase.Alice, [await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Alice is allergic to peanuts"))]));
        var same = await memory.GetAsync(TestDatabase.Alice, fact.Id);
        Assert.Equal((restored.Version, 1), (same.Version, same.RecallCount));
        Assert.Contains(await memory.SearchAsync(TestDatabase.Alice, "notes", "peanuts"), h => h.Item.Id == fact.Id);

        // A grantee who may only add restores nothing, and is not refused for it: the add itself was allowed.
        await memory.SetStateAsync(TestDatabase.Alice, fact.Id, LifecycleState.Archived, "faded");
        var bob = new Scope(TestDatabase.Alice.Tenant, "bob");
        await memory.SetGrantsAsync(TestDatabase.Alice, "notes", [new CubeGrant("bob", null, CubeAccess.Write)]);
        var bobs = await memory.AddAsync(bob, "notes", new MemoryDraft("Bob saw Alice's note"));
        Assert.Empty(await memory.RestoreRestatedAsync(bob, [bobs, new AddOutcome(fact.Id, false)]));
        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(TestDatabase.Alice, fact.Id)).State);
    }

    [Fact]
    public async Task Cube_item_limit_refuses_the_whole_batch()
    {
        await memory.CreateCubeAsync(TestDatabase.Alice, "small", policy: new CubePolicy { MaxItems = 3 });
        await memory.AddBatchAsync(TestDatabase.Alice, "small", [new MemoryDraft("one"), new MemoryDraft("two")]);
        await Assert.ThrowsAsync<CubeFullException>(() => memory.AddBatchAsync(TestDatabase.Alice, "small", [new MemoryDraft("three"), new MemoryDraft("four")]));
        Assert.Equal(2, (await ToListAsync(memory.ListAsync(TestDatabase.Alice, "small"))).Count);
    }

    [Fact]
    public async Task Grants_decide_who_else_may_read_or_write_a_cube()
    {
        var bob = new Scope("acme", "bob");
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("quarterly numbers"))).Id;

        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.GetAsync(bob, id));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SearchAsync(bob, "notes", "numbers"));

        await memory.SetGrantsAsync(TestDatabase.Alice, "notes", [new CubeGrant("bob", null, CubeAccess.Read)]);
        Assert.Equal("quarterly numbers", (await memory.GetAsync(bob, id)).Text);
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.AddAsync(bob, "notes", new MemoryDraft("bob was here")));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.DeleteAsync(bob, id));
    }

    [Fact]
    public async Task The_tenant_audit_trail_shows_only_cubes_the_reader_can_read()
    {
        var bob = new Scope("acme", "bob");
        await memory.CreateCubeAsync(bob, "bob-private");
        await memory.AddAsync(bob, "bob-private", new MemoryDraft("bob's secret plans"));
        await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("alice's note"));

        var bobCube = (await memory.OpenCubeAsync(bob, "bob-private")).Id;
        var alices = await memory.GetAuditAsync(TestDatabase.Alice);
        Assert.NotEmpty(alices);
        Assert.DoesNotContain(alices, r => r.CubeId == bobCube);
        Assert.Contains(await memory.GetAuditAsync(bob), r => r.CubeId == bobCube && r.Action == "add");

        // A grant opens the trail with the data.
        await memory.SetGrantsAsync(bob, "bob-private", [new CubeGrant("alice", null, CubeAccess.Read)]);
        Assert.Contains(await memory.GetAuditAsync(TestDatabase.Alice), r => r.CubeId == bobCube);
    }

    [Fact]
    public async Task A_purged_memorys_audit_trail_is_read_by_id_by_whoever_may_read_its_cube()
    {
        // The trail of one memory was read only after loading the memory for the access check: once purged, even the cube's
        // owner got "not found" by id, while the same lines showed in the tenant and cube trails.
        var bob = new Scope("acme", "bob");
        var carol = new Scope("acme", "carol");
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("temp note"))).Id;
        await memory.PurgeAsync(TestDatabase.Alice, id);
        await memory.SetGrantsAsync(TestDatabase.Alice, "notes", [new CubeGrant("bob", null, CubeAccess.Read)]);

        Assert.Equal(["add", "purge"], (await memory.GetAuditAsync(TestDatabase.Alice, id)).Select(a => a.Action));
        Assert.Equal(["add", "purge"], (await memory.GetAuditAsync(bob, id)).Select(a => a.Action));
        var page = Assert.Single(await memory.GetAuditAsync(bob, id, limit: 1));
        Assert.Equal("add", page.Action);
        Assert.Equal("purge", Assert.Single(await memory.GetAuditAsync(bob, id, limit: 1, after: page.Sequence)).Action);

        // Someone who may not read the cube is told what an id that never existed tells: nothing about the purged memory.
        var refused = await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAuditAsync(carol, id));
        Assert.Equal(MemoryNotFoundException.Unknown(id.ToString()).Message, refused.Message);
        var never = MemoryId.NewId();
        var unknown = await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAuditAsync(carol, never));
        Assert.Equal(MemoryNotFoundException.Unknown(never.ToString()).Message, unknown.Message);
    }

    [Fact]
    public async Task Consolidation_does_not_merge_the_same_fact_of_two_users_in_a_shared_cube()
    {
        // The agent records every user's facts with the actor "user"; only the scope tells Alice's from Bob's.
        var bob = new Scope("acme", "bob");
        await memory.CreateCubeAsync(TestDatabase.Alice, "team");
        await memory.SetGrantsAsync(TestDatabase.Alice, "team", [new CubeGrant("bob", null, CubeAccess.ReadWrite)]);
        var alices = await memory.AddAsync(TestDatabase.Alice, "team", new MemoryDraft("I am allergic to peanuts and shellfish") { Actor = "user" });
        var bobs = await memory.AddAsync(bob, "team", new MemoryDraft("I am allergic to peanuts and shellfish") { Actor = "user" });
        Assert.True(bobs.Created);

        var result = Assert.Single(await MaintenanceRunner.CreateDefault().RunAsync(memory, TestDatabase.Alice, "team", ["consolidation"]));
        Assert.Equal(0, result.Counts["merged"]);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(TestDatabase.Alice, alices.Id)).State);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(TestDatabase.Alice, bobs.Id)).State);
    }

    [Fact]
    public async Task Only_the_owner_changes_grants_a_writer_grantee_cannot()
    {
        var bob = new Scope("acme", "bob");
        var carol = new Scope("acme", "carol");
        await memory.SetGrantsAsync(TestDatabase.Alice, "notes", [new CubeGrant("bob", null, CubeAccess.ReadWrite)]);
        Assert.True((await memory.AddAsync(bob, "notes", new MemoryDraft("bob can write"))).Created);

        // Bob may write, but not grant himself or others anything, nor revoke the grants (or lock Alice out).
        var refused = await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SetGrantsAsync(bob, "notes", [new CubeGrant("carol", null, CubeAccess.ReadWrite)]));
        Assert.Contains("owner", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SetGrantsAsync(bob, "notes", []));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.SearchAsync(carol, "notes", "bob"));
        Assert.Single((await memory.OpenCubeAsync(TestDatabase.Alice, "notes")).Grants);

        // The owner can revoke.
        await memory.SetGrantsAsync(TestDatabase.Alice, "notes", []);
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.AddAsync(bob, "notes", new MemoryDraft("not any more")));
    }

    [Fact]
    public async Task Every_change_is_in_the_append_only_audit_log()
    {
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("audit me"))).Id;
        await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Text = "audit me again", Reason = "typo" });
        await memory.DeleteAsync(TestDatabase.Alice, id);

        var trail = await memory.GetAuditAsync(TestDatabase.Alice, id);
        Assert.Equal(["add", "update", "recall", "delete"], trail.Select(a => a.Action)); // a new text is a recall
        Assert.All(trail, a => Assert.Equal("alice", a.User));
        Assert.Equal([1, 2, 2, 3], trail.Select(a => a.Version ?? 0)); // the recall names the version it reinforced

        using var raw = db.Raw();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "UPDATE audit_log SET action = 'forged'";
        var ex = Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => cmd.ExecuteNonQuery());
        Assert.Contains("append-only", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_log_lets_a_detail_be_redacted_to_the_marker_and_refuses_every_other_change()
    {
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("audit me"))).Id;
        await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Text = "audit me again", Reason = "a reason with content" });

        using var raw = db.Raw();
        foreach (string forged in new[]
        {
            "UPDATE audit_log SET detail = 'forged' WHERE action = 'update'",
            "UPDATE audit_log SET detail = '{\"redacted\":true}', action = 'forged' WHERE action = 'update'",
            "UPDATE audit_log SET detail = '{\"redacted\":true}', memory_id = NULL WHERE action = 'update'",
            "DELETE FROM audit_log WHERE action = 'update'",
        })
        {
            using var cmd = raw.CreateCommand();
            cmd.CommandText = forged;
            var ex = Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => cmd.ExecuteNonQuery());
            Assert.Contains("append-only", ex.Message, StringComparison.Ordinal);
        }

        using (var redact = raw.CreateCommand())
        {
            redact.CommandText = "UPDATE audit_log SET detail = '{\"redacted\":true}' WHERE action = 'update'";
            Assert.Equal(1, redact.ExecuteNonQuery());
        }

        var trail = await memory.GetAuditAsync(TestDatabase.Alice, id);
        Assert.Equal(["add", "update", "recall"], trail.Select(a => a.Action));
        Assert.Equal(AuditRecord.RedactedDetail, trail[1].Detail);
    }

    [Fact]
    public async Task Activation_and_parametric_memories_need_a_payload_reference()
    {
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("kv cache of the onboarding doc") { Kind = MemoryKind.Activation }));
        var payload = new PayloadRef("file:///tmp/onboarding.cart", "application/x-agentmem-cartridge", 4096, new string('a', 64));
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("kv cache of the onboarding doc") { Kind = MemoryKind.Activation, Payload = payload })).Id;
        var item = await memory.GetAsync(TestDatabase.Alice, id);
        Assert.Equal(MemoryKind.Activation, item.Kind);
        Assert.Equal(payload, item.Payload);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var x in source)
        {
            list.Add(x);
        }

        return list;
    }
}
