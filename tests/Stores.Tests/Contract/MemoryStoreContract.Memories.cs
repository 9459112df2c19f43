using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Memories: add, get, get-many, list with filters and paging; every member round-trips, links and tags included.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task An_added_memory_reads_back_with_every_member_links_tags_and_keywords_included()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var target = await s.AddAsync(cube, "the onboarding document");
        var payload = new PayloadRef("file:///tmp/onboarding.cart", "application/x-agentmem-cartridge", 4096, new string('a', 64));
        var berlin = TimeSpan.FromHours(2);
        var item = s.Item(cube, "kv cache of the onboarding doc", MemoryKind.Activation, payload) with
        {
            Scope = new Scope(s.Tenant, "alice", "planner", "s1"),
            Provenance = new Provenance(SourceKind.Document, "doc/7", "Alice", s.Now),
            ValidFrom = new DateTimeOffset(2025, 2, 26, 10, 0, 0, berlin),
            ValidTo = new DateTimeOffset(2025, 2, 28, 18, 30, 0, berlin),
            Tags = ["pets", "home"],
            Keywords = ["onboarding", "kv cache"],
            Context = "Saved while Alice was onboarding.",
            Importance = 0.8,
            Strength = 2.5,
            LastRecalledAt = s.Now.AddHours(-2),
            RecallCount = 3,
            StateReason = "imported",
            Links = [new MemoryLink(target.Id, "supports", 0.7, "same document"), new MemoryLink(target.Id, "follows")],
        };

        var outcome = Assert.Single(await s.AddAsync([item]));

        Assert.Equal(new AddOutcome(item.Id, true), outcome);
        StoreScenario.AssertSameMemory(item, (await s.Store.GetAsync(s.Tenant, item.Id))!);
        StoreScenario.AssertSameMemory(item, Assert.Single(await s.Store.ListAsync(s.Tenant, new MemoryFilter { Kind = MemoryKind.Activation }, 10)));
    }

    [SkippableFact]
    public async Task Get_many_returns_the_memories_found_in_the_order_asked_once_each()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var a = await s.AddAsync(cube, "first");
        await s.AddAsync(cube, "second");
        var c = await s.AddAsync(cube, "third");

        Assert.Equal([c.Id, a.Id], (await s.Store.GetManyAsync(s.Tenant, [c.Id, MemoryId.NewId(), a.Id, c.Id])).Select(m => m.Id));
        Assert.Empty(await s.Store.GetManyAsync(s.Tenant, []));
        Assert.Null(await s.Store.GetAsync(s.Tenant, MemoryId.NewId()));
    }

    [SkippableFact]
    public async Task List_and_count_filter_by_cube_scope_kind_tags_state_and_event_time_and_list_pages_after_an_id()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var other = await s.CreateCubeAsync("other");
        var may = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var june = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var payload = new PayloadRef("file:///tmp/a.lora", "application/x-lora", 10, new string('b', 64));
        var m1 = s.Item(notes, "one") with { Scope = new Scope(s.Tenant, "alice", "planner", "s1"), Tags = ["Work"], ValidFrom = may };
        var m2 = s.Item(notes, "two") with { Scope = new Scope(s.Tenant, "bob", null, "s2"), Tags = ["home"], ValidFrom = june };
        var m3 = s.Item(notes, "three", MemoryKind.Parametric, payload) with { Scope = new Scope(s.Tenant, "alice", null, "s2"), ValidFrom = null };
        var m4 = s.Item(other, "four");
        await s.AddAsync([m1, m2, m3, m4]);

        async Task<IEnumerable<MemoryId>> Ids(MemoryFilter filter, int limit = 100, MemoryId? after = null)
        {
            var ids = (await s.Store.ListAsync(s.Tenant, filter, limit, after)).Select(m => m.Id).ToList();
            if (after is null && limit == 100)
            {
                // A count agrees with the whole list for the same filter.
                Assert.Equal(ids.Count, await s.Store.CountAsync(s.Tenant, filter));
            }

            return ids;
        }

        Assert.Equal([m1.Id, m2.Id, m3.Id, m4.Id], await Ids(new MemoryFilter()));
        Assert.Equal([m1.Id, m2.Id, m3.Id], await Ids(new MemoryFilter { CubeId = notes.Id }));
        Assert.Equal([m1.Id, m3.Id], await Ids(new MemoryFilter { User = "alice", CubeId = notes.Id }));
        Assert.Equal([m1.Id], await Ids(new MemoryFilter { Agent = "planner" }));
        Assert.Equal([m2.Id, m3.Id], await Ids(new MemoryFilter { Session = "s2" }));
        Assert.Equal([m3.Id], await Ids(new MemoryFilter { Kind = MemoryKind.Parametric }));
        Assert.Equal([m1.Id], await Ids(new MemoryFilter { AnyTags = ["WORK"] }));
        Assert.Equal([m1.Id, m2.Id], await Ids(new MemoryFilter { AnyTags = ["home", "work"] }));
        Assert.Equal([m2.Id], await Ids(new MemoryFilter { ValidFromOrAfter = june, CubeId = notes.Id }));
        Assert.Equal([m1.Id], await Ids(new MemoryFilter { ValidFromBefore = june }));

        Assert.Equal([m1.Id, m2.Id], await Ids(new MemoryFilter(), limit: 2));
        Assert.Equal([m3.Id, m4.Id], await Ids(new MemoryFilter(), limit: 2, after: m2.Id));
        Assert.Equal([m4.Id], await Ids(new MemoryFilter { Session = null }, limit: 5, after: m3.Id));
        Assert.Empty(await Ids(new MemoryFilter(), after: m4.Id));

        await s.SetStateAsync(m2, LifecycleState.Archived, "old");
        Assert.Equal([m1.Id, m3.Id], await Ids(new MemoryFilter { CubeId = notes.Id }));
        Assert.Equal([m2.Id], await Ids(new MemoryFilter { States = [LifecycleState.Archived] }));
        Assert.Equal(0, await s.Store.CountAsync(StoreScenario.NewTenant(), new MemoryFilter()));
    }

    /// <summary>
    /// Tags compare as <c>string.Equals</c> with <see cref="StringComparison.OrdinalIgnoreCase"/> does, the rule of
    /// <see cref="MemoryFilterMatch"/>, beyond ASCII too: neither SQLite's NOCASE (ASCII only) nor PostgreSQL's lower() (as
    /// its locale has it: "\u212A" Kelvin sign → "k", "İ" → "i") may decide. Lists and counts, from the tag index and
    /// walking the cube alike.
    /// </summary>
    [SkippableFact]
    public async Task Tag_filters_ignore_case_as_ordinal_ignore_case_does_beyond_ascii_too()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        string[] tags = ["Ärger", "Σοφία", "straße", "\u212A", "\u0130zmir", "\u017Fun", "Work"];
        var items = tags.Select(t => s.Item(cube, "about " + t) with { Tags = [t] }).ToList();
        await s.AddAsync(items);

        async Task<List<string>> Tagged(params string[] wanted)
        {
            var filter = new MemoryFilter { AnyTags = wanted };
            var found = (await s.Store.ListAsync(s.Tenant, filter, 100)).Select(m => m.Tags[0]).ToList();
            Assert.Equal(found.Count, await s.Store.CountAsync(s.Tenant, filter));
            return found;
        }

        Assert.Equal(["Ärger"], await Tagged("ärger"));
        Assert.Equal(["Ärger", "Σοφία"], await Tagged("ÄRGER", "ΣΟΦΊΑ"));
        Assert.Equal(["straße"], await Tagged("STRAßE"));
        foreach (string[] wanted in new string[][] { ["STRASSE"], ["k", "K"], ["izmir", "IZMIR"], ["sun", "SUN"], ["work"] })
        {
            Assert.Equal(tags.Where(t => wanted.Contains(t, StringComparer.OrdinalIgnoreCase)), await Tagged(wanted));
        }
    }

    /// <summary>
    /// One memory may carry two tags that OrdinalIgnoreCase keeps apart but a database's lower() folds together (under
    /// C.UTF-8: the Kelvin sign and "k", "İzmir" and "izmir"): both are kept, so a filter for either finds it. PostgreSQL
    /// kept one tag row per lower(tag), and a filter for the second spelling missed the memory.
    /// </summary>
    [SkippableFact]
    public async Task A_memory_keeps_every_tag_ordinal_ignore_case_keeps_apart_even_where_lower_folds_them_together()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var kelvin = s.Item(cube, "a temperature") with { Tags = ["k", "\u212A"] };
        var izmir = s.Item(cube, "a city") with { Tags = ["izmir", "\u0130zmir"] };
        await s.AddAsync([kelvin, izmir]);

        foreach (var (item, tag) in new[] { (kelvin, "\u212A"), (kelvin, "k"), (izmir, "\u0130ZMIR"), (izmir, "IZMIR") })
        {
            var filter = new MemoryFilter { AnyTags = [tag] };
            Assert.Equal([item.Id], (await s.Store.ListAsync(s.Tenant, filter, 10)).Select(m => m.Id));
            Assert.Equal(1, await s.Store.CountAsync(s.Tenant, filter));
        }
    }

    /// <summary>
    /// Tag filters give the same lists and counts whether few memories carry the tags (the SQL stores then start from the
    /// tag index) or more than a thousand do (they walk the cube): paged, combined with cube and state filters, ignoring case.
    /// </summary>
    [SkippableFact]
    public async Task Tag_filters_list_and_count_alike_whether_few_or_many_memories_carry_the_tag()
    {
        await using var s = await StartAsync();
        var chat = await s.CreateCubeAsync("chat");
        var other = await s.CreateCubeAsync("other");
        var items = Enumerable.Range(0, 1_200).Select(i => s.Item(i % 4 == 3 ? other : chat, $"turn {i}") with
        {
            Tags = i switch
            {
                500 => ["turn", "core", "pinned"],
                _ when i % 100 == 7 => ["Turn", "CORE"],
                _ => ["turn"],
            },
        }).ToList();
        await s.AddAsync(items);
        var archived = items[107];
        await s.SetStateAsync(archived, LifecycleState.Archived, "old");
        var live = items.Where(i => i.Id != archived.Id).ToList();

        async Task Check(MemoryFilter filter, IEnumerable<MemoryItem> expected)
        {
            var want = expected.Select(i => i.Id).Order().ToList();
            var got = new List<MemoryId>();
            MemoryId? after = null;
            while (true)
            {
                var page = await s.Store.ListAsync(s.Tenant, filter, 97, after);
                got.AddRange(page.Select(m => m.Id));
                if (page.Count < 97)
                {
                    break;
                }

                after = page[^1].Id;
            }

            Assert.Equal(want, got);
            Assert.Equal(want.Count, await s.Store.CountAsync(s.Tenant, filter));
        }

        bool Has(MemoryItem item, params string[] tags) => item.Tags.Any(t => tags.Contains(t, StringComparer.OrdinalIgnoreCase));

        await Check(new MemoryFilter { AnyTags = ["TURN"], CubeId = chat.Id }, live.Where(i => i.CubeId == chat.Id));
        await Check(new MemoryFilter { AnyTags = ["core"], CubeId = chat.Id }, live.Where(i => i.CubeId == chat.Id && Has(i, "core")));
        await Check(new MemoryFilter { AnyTags = ["Core", "pinned"] }, live.Where(i => Has(i, "core", "pinned")));
        await Check(new MemoryFilter { AnyTags = ["pinned", "turn"] }, live);
        await Check(new MemoryFilter { AnyTags = ["core"], States = [LifecycleState.Archived] }, [archived]);
        await Check(new MemoryFilter { AnyTags = ["nobody has this"] }, []);
    }

    /// <summary>
    /// A tag filter may name any number of tags, far past SQLite's 32,766 bound parameters, and lists and counts as a short
    /// one does: from the tag index (here over 600 ids, more than a SQLite statement lists one by one) and with no match.
    /// SQLite bound one parameter per tag and failed with "too many SQL variables".
    /// </summary>
    [SkippableFact]
    public async Task A_tag_filter_naming_tens_of_thousands_of_tags_lists_and_counts_as_a_short_one_does()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var items = Enumerable.Range(0, 603).Select(i => s.Item(cube, $"note {i}") with
        {
            Tags = i switch
            {
                600 => ["Ärger"],
                601 => ["untouched"],
                602 => ["tag 39999"],
                _ => [i % 2 == 0 ? "turn" : "Turn"],
            },
        }).ToList();
        await s.AddAsync(items);
        string[] many = [.. Enumerable.Range(0, 40_000).Select(i => $"tag {i}")];

        async Task Check(IReadOnlyList<string> tags, IEnumerable<MemoryItem> expected)
        {
            var filter = new MemoryFilter { AnyTags = tags };
            Assert.Equal(expected.Select(i => i.Id).Order(), (await s.Store.ListAsync(s.Tenant, filter, 1_000)).Select(m => m.Id));
            Assert.Equal(expected.Count(), await s.Store.CountAsync(s.Tenant, filter));
        }

        await Check([.. many, "TURN", "ärger"], items.Where(i => i.Tags[0] != "untouched"));
        await Check(many, [items[602]]);
        await Check([.. many.Select(t => t + " nobody has")], []);
    }
}
