using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// Lexical (BM25) search. Queries use the exact words of the memories, so the tests hold whatever stemmer an engine
/// applies; scores are only compared with each other.
/// </summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task A_memory_holding_the_query_words_is_found_best_first()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var items = Enumerable.Range(0, 30).Select(i => s.Item(cube, $"We talked about the weather, lunch and the meeting on day {i}.")).ToList();
        var best = s.Item(cube, "My passport number ends in 4471 and the passport expires next spring.");
        var partial = s.Item(cube, "The meeting about the passport office was moved.");
        items.Insert(11, best);
        items.Insert(20, partial);
        await s.AddAsync(items);
        var inCube = new MemoryFilter { CubeId = cube.Id };

        var hits = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["passport", "expires"], inCube, 10));

        Assert.Equal([best.Id, partial.Id], hits.Select(h => h.Item.Id));
        Assert.True(hits[0].Score > hits[1].Score && hits[1].Score > 0, $"scores {hits[0].Score}, {hits[1].Score}");
        Assert.Equal(best.Text, hits[0].Item.Text);
        Assert.Equal([best.Id], (await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["passport", "expires"], inCube, 1))).Select(h => h.Item.Id));
        Assert.Equal(10, (await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["weather"], inCube, 10))).Count);
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["zeppelin"], inCube, 10)));
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery([], inCube, 10)));
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["  "], inCube, 10)));
    }

    [SkippableFact]
    public async Task Control_characters_in_a_term_separate_its_words_as_spaces_do()
    {
        // A NUL ends SQLite's MATCH text where it stands, so a quoted term cut there failed as "unterminated string".
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var office = s.Item(cube, "The passport office opens at nine.");
        await s.AddAsync([office, s.Item(cube, "We talked about the weather and lunch.")]);
        var inCube = new MemoryFilter { CubeId = cube.Id };

        foreach (string term in new[] { "passport\0office", "passport\u0001office", "\0passport\u0007" })
        {
            var hits = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery([term, "zeppelin"], inCube, 10));
            Assert.Equal([office.Id], hits.Select(h => h.Item.Id));
        }

        // Words, not one word: "pass" and "port" are not "passport", and a term of control characters alone is none.
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["pass\0port"], inCube, 10)));
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["\0", "\u0001\n"], inCube, 10)));
    }

    [SkippableFact]
    public async Task A_rare_query_word_outweighs_a_common_one_as_in_bm25()
    {
        // Every memory but one says "coffee"; the one that says "espresso" is long, so only the words' rarity ranks it first.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var items = Enumerable.Range(0, 20).Select(i => s.Item(cube, $"Coffee with Sam on day {i}.")).ToList();
        var rare = s.Item(cube, "The espresso machine we ordered in the spring finally reached the office on a rainy Thursday after weeks of delays at the port.");
        items.Insert(7, rare);
        await s.AddAsync(items);

        var hits = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["coffee", "espresso"], new MemoryFilter { CubeId = cube.Id }, 5));

        Assert.Equal(rare.Id, hits[0].Item.Id);
        Assert.Equal(5, hits.Count);
        Assert.True(hits[0].Score > hits[1].Score, $"scores {hits[0].Score}, {hits[1].Score}");
    }

    [SkippableFact]
    public async Task A_memorys_length_is_its_word_count_stop_words_included_as_in_bm25()
    {
        // Both say "cat" once; the first is thirteen words long, almost all of them stop words. A length in distinct
        // index terms (one against two) would rank it first; BM25 counts words, so the two-word memory comes first.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var wordy = s.Item(cube, "It was the cat that was there, and it is what it was.");
        var terse = s.Item(cube, "Cat naps.");
        var items = Enumerable.Range(0, 10).Select(i => s.Item(cube, $"Dinner plans for day {i} with the family.")).ToList();
        items.Insert(3, wordy);
        items.Insert(8, terse);
        await s.AddAsync(items);

        var hits = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["cat"], new MemoryFilter { CubeId = cube.Id }, 10));

        Assert.Equal([terse.Id, wordy.Id], hits.Select(h => h.Item.Id));
        Assert.True(hits[0].Score > hits[1].Score, $"scores {hits[0].Score}, {hits[1].Score}");
    }

    [SkippableFact]
    public async Task Lexical_search_respects_the_filter_and_sees_only_current_versions()
    {
        await using var s = await StartAsync();
        var chat = await s.CreateCubeAsync("chat");
        var other = await s.CreateCubeAsync("other");
        var social = await s.AddAsync(chat, "coffee with Sam", m => m with { Tags = ["social"], Scope = new Scope(s.Tenant, "alice", null, "s1") });
        var shopping = await s.AddAsync(chat, "coffee beans order", m => m with { Tags = ["shopping"], Scope = new Scope(s.Tenant, "alice", null, "s2") });
        var elsewhere = await s.AddAsync(other, "coffee in the other cube");

        async Task<IEnumerable<string>> Texts(string word, MemoryFilter filter) =>
            (await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery([word], filter, 10))).Select(h => h.Item.Text).Order(StringComparer.Ordinal);

        Assert.Equal([shopping.Text, social.Text], await Texts("coffee", new MemoryFilter { CubeId = chat.Id }));
        Assert.Equal([social.Text], await Texts("coffee", new MemoryFilter { CubeId = chat.Id, AnyTags = ["SOCIAL"] }));
        Assert.Equal([shopping.Text], await Texts("coffee", new MemoryFilter { Session = "s2" }));
        Assert.Equal([elsewhere.Text], await Texts("coffee", new MemoryFilter { CubeId = other.Id }));
        Assert.Equal(3, (await Texts("coffee", new MemoryFilter())).Count());

        await s.ReplaceAsync(social, m => m with { Text = "tea with Sam" });
        Assert.Equal([shopping.Text], await Texts("coffee", new MemoryFilter { CubeId = chat.Id }));
        Assert.Equal(["tea with Sam"], await Texts("tea", new MemoryFilter { CubeId = chat.Id }));

        await s.SetStateAsync(shopping, LifecycleState.Deleted, "done");
        Assert.Empty(await Texts("coffee", new MemoryFilter { CubeId = chat.Id }));
        Assert.Equal([shopping.Text], await Texts("coffee", new MemoryFilter { CubeId = chat.Id, States = [LifecycleState.Deleted] }));
    }

    [SkippableFact]
    public async Task Speaker_tags_keywords_and_context_are_searchable_as_well_as_text()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var speaker = await s.AddAsync(cube, "I finally adopted a puppy!", m => m with { Provenance = m.Provenance with { Actor = "Caroline" } });
        var tagged = await s.AddAsync(cube, "Planted tomatoes today", m => m with { Tags = ["gardening"] });
        var keyworded = await s.AddAsync(cube, "Saw Saturn's rings last night", m => m with { Keywords = ["telescope"] });
        var situated = await s.AddAsync(cube, "Bought a new hat", m => m with { Context = "Said during the Lisbon trip." });
        await s.AddAsync(cube, "Nothing to see here");

        foreach (var (word, expected) in new[] { ("caroline", speaker), ("gardening", tagged), ("telescope", keyworded), ("lisbon", situated) })
        {
            var hit = Assert.Single(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery([word], new MemoryFilter { CubeId = cube.Id }, 10)));
            Assert.Equal(expected.Id, hit.Item.Id);
        }
    }

    [SkippableTheory]
    [InlineData("café", "café")]
    [InlineData("Zürich", "zürich")]
    [InlineData("日本", "日本")]
    [InlineData("o'brien", "brien")]
    [InlineData("𠮟る", "𠮟る")]
    public async Task Tags_and_keywords_beyond_ascii_are_searchable(string label, string term)
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var tagged = await s.AddAsync(cube, "Planted tomatoes today", m => m with { Tags = [label] });
        var keyworded = await s.AddAsync(cube, "Saw Saturn's rings last night", m => m with { Keywords = [label] });
        await s.AddAsync(cube, "Nothing to see here");

        var hits = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery([term], new MemoryFilter { CubeId = cube.Id }, 10));
        Assert.Equal(new[] { tagged.Id, keyworded.Id }.Order(), hits.Select(h => h.Item.Id).Order());

        // What JSON escaping would have left of them is no word of theirs.
        Assert.Empty(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["u00e9", "u00fc", "u0027s"], new MemoryFilter { CubeId = cube.Id }, 10)));
    }

    [SkippableTheory]
    [InlineData("𐐷𐐸𐐮")] // Deseret letters, beyond the BMP (surrogate pairs in UTF-16)
    [InlineData("𠀀")] // a CJK ideograph of Extension B, beyond the BMP too
    [InlineData("ⅻ")] // a letter number (Nl)
    public async Task Words_of_letters_beyond_the_bmp_and_of_letter_numbers_are_searchable(string word)
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var holder = await s.AddAsync(cube, $"The word {word} is here");
        await s.AddAsync(cube, "Nothing to see here");

        var hits = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery([word], new MemoryFilter { CubeId = cube.Id }, 10));

        Assert.Equal([holder.Id], hits.Select(h => h.Item.Id));
    }

    [SkippableTheory]
    [InlineData("\"passport")]
    [InlineData("passport AND NOT (")]
    [InlineData("pass* OR NEAR(x y)")]
    [InlineData("column:filter ^start")]
    [InlineData("'; DROP TABLE memories; --")]
    public async Task Index_syntax_in_a_term_is_taken_as_words(string term)
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var memory = await s.AddAsync(cube, "The passport is in the drawer");

        var hits = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery([term], new MemoryFilter { CubeId = cube.Id }, 10));

        if (term == "\"passport")
        {
            Assert.Equal(memory.Id, Assert.Single(hits).Item.Id);
        }

        Assert.Equal(memory.Id, Assert.Single(await s.ListAllAsync()).Id);
    }

    [SkippableFact]
    public async Task A_memory_holding_u_fffe_is_stored_and_found_by_its_words()
    {
        // U+FFFE is text a string can carry (string.Normalize throws on it): the hash and every store's analysis must not.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("chat");
        var odd = s.Item(cube, "Ann keeps\uFFFEbees in the garden") with { Tags = ["x\uFFFEy"] };
        await s.AddAsync([s.Item(cube, "Bob keeps goats"), odd]);

        var hits = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["bees"], new MemoryFilter { CubeId = cube.Id }, 10));

        Assert.Equal([odd.Id], hits.Select(h => h.Item.Id));
        Assert.Equal(odd.Text, hits[0].Item.Text);
    }

    [SkippableFact]
    public async Task A_memory_of_megabytes_of_distinct_words_is_stored_and_found_by_a_word_from_its_start()
    {
        // The facade takes texts up to MaxContentBytes (4 MiB): a log or code paste of distinct tokens. PostgreSQL's tsvector
        // holds at most 1 MiB, so the full-text column failed such an add, and an edit that made a memory that long, with
        // a raw 54000 "string is too long for tsvector", where SQLite stored them.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("logs");
        var random = new Random(56);
        string Words(string first) => first + " " + string.Join(' ', Enumerable.Range(0, 150_000).Select(_ => new string(Enumerable.Range(0, 9).Select(_ => (char)('a' + random.Next(26))).ToArray())));
        string log = Words("zeppelin");
        Assert.True(log.Length > 1_500_000);
        var inCube = new MemoryFilter { CubeId = cube.Id };

        var added = await s.AddAsync(cube, log);
        var note = await s.AddAsync(cube, "Tulips bloom in April.");
        string edit = Words("tulips");
        var edited = await s.ReplaceAsync(note, m => m with { Text = edit });

        Assert.Equal(log, added.Text);
        Assert.Equal(edit, edited.Text);
        Assert.Equal([added.Id], (await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["zeppelin"], inCube, 10))).Select(h => h.Item.Id));
        Assert.Equal([edited.Id], (await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["tulips"], inCube, 10))).Select(h => h.Item.Id));
    }
}
