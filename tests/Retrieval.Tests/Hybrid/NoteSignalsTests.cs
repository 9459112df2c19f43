using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Retrieval.Tests.Hybrid;

/// <summary>The memory-intelligence signals of the hybrid retriever: tag matching and one-hop link expansion.</summary>
public sealed class NoteSignalsTests : IAsyncLifetime
{
    private static readonly Scope Me = new("acme", "alice");
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-notes-" + Guid.NewGuid().ToString("N"));
    private MemoryOS memory = null!;
    private SqliteMemoryStore store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        store = SqliteMemoryStore.Open(Path.Combine(folder, "n.db"));
        memory = new MemoryOS(store,
        [
            new HybridRetriever(store, new HybridOptions { Name = "plain" }),
            new HybridRetriever(store, new HybridOptions { Name = "tags", TagWeight = 0.5f }),
            new HybridRetriever(store, new HybridOptions { Name = "links", LinkWeight = 0.5f }),
            new HybridRetriever(store, new HybridOptions { Name = "linksmmr", LinkWeight = 0.1f, MmrLambda = 0.7 }),
        ]);
        await memory.CreateCubeAsync(Me, "chat");
    }

    public async Task DisposeAsync()
    {
        await memory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_category_question_meets_notes_tagged_with_that_category()
    {
        var dog = await memory.AddAsync(Me, "chat", new MemoryDraft("Nate: this is Max, the new addition to our family!") { Tags = ["pet", "family"], Actor = "Nate" });
        for (int i = 0; i < 5; i++)
        {
            await memory.AddAsync(Me, "chat", new MemoryDraft($"Nate has {i} new ideas for the game tournament, Nate says") { Tags = ["game"], Actor = "Nate" });
        }

        // "puppy" is in no note; the lexicon maps it to the pet tag the first note carries. The other notes name Nate
        // twice, so on words alone they outrank it.
        var plain = await memory.SearchAsync(Me, "chat", "Does Nate have a puppy?", k: 3, retrieverName: "plain");
        var tagged = await memory.SearchAsync(Me, "chat", "Does Nate have a puppy?", k: 3, retrieverName: "tags");
        Assert.Equal(dog.Id, tagged[0].Item.Id);
        Assert.True(tagged[0].Components["tags"] > 0);
        Assert.DoesNotContain(dog.Id, plain.Take(1).Select(h => h.Item.Id));
    }

    [Fact]
    public async Task A_memory_the_search_cannot_return_does_not_shrink_the_tag_boost_of_one_it_can()
    {
        // The tag signal was scaled by the best tag match of every indexed memory: a deleted note tagged only "pet"
        // out-matched the live one with four tags, which then got well under the tag weight.
        var live = await memory.AddAsync(Me, "chat", new MemoryDraft("Nate: this is Max, the new addition to our family!") { Tags = ["pet", "family", "home", "work"], Actor = "Nate" });
        var alone = (await memory.SearchAsync(Me, "chat", "Which pets does Nate have?", retrieverName: "tags")).Single();
        var deleted = await memory.AddAsync(Me, "chat", new MemoryDraft("The landlord allows no animals in the flat.") { Tags = ["pet"] });
        await memory.DeleteAsync(Me, deleted.Id);

        var hit = (await memory.SearchAsync(Me, "chat", "Which pets does Nate have?", retrieverName: "tags")).Single();
        Assert.Equal(live.Id, hit.Item.Id);
        Assert.Equal(alone.Score, hit.Score, 4);
    }

    [Fact]
    public async Task A_linked_note_is_pulled_in_one_hop_with_a_score_below_its_seed()
    {
        var far = await memory.AddAsync(Me, "chat", new MemoryDraft("The mechanic replaced the whole gearbox.") { Actor = "Mechanic" });
        var seed = await memory.AddAsync(Me, "chat", new MemoryDraft("Dave restored a vintage Mustang over the summer.")
        {
            Actor = "Dave",
            Links = [new MemoryLink(far.Id, LinkTypes.Elaborates, 0.8, "shares mustang")],
        });
        await memory.AddAsync(Me, "chat", new MemoryDraft("Calvin bought a new guitar.") { Actor = "Calvin" });

        var plain = await memory.SearchAsync(Me, "chat", "What did Dave restore?", k: 5, retrieverName: "plain");
        Assert.DoesNotContain(far.Id, plain.Select(h => h.Item.Id));

        var expanded = await memory.SearchAsync(Me, "chat", "What did Dave restore?", k: 5, retrieverName: "links");
        Assert.Equal(seed.Id, expanded[0].Item.Id);
        var pulled = Assert.Single(expanded, h => h.Item.Id == far.Id);
        Assert.True(pulled.Components["links"] > 0);
        Assert.True(pulled.Score < expanded[0].Score);
    }

    [Theory]
    [InlineData("links")]
    [InlineData("linksmmr")]
    public async Task A_link_stored_with_a_weight_above_one_counts_as_one_and_no_score_is_infinite(string retriever)
    {
        // The library refuses such weights now; a link stored before (or written to the store directly) is read as weight 1.
        // Its weight of 1e40 gave the target a score of +Infinity: MMR then chose no candidate and indexed slot -1.
        var far = await memory.AddAsync(Me, "chat", new MemoryDraft("The baker sold bread on Sunday.") { Actor = "Baker" });
        var seed = await memory.AddAsync(Me, "chat", new MemoryDraft("Dave restored a vintage Mustang over the summer.") { Actor = "Dave" });
        await memory.AddAsync(Me, "chat", new MemoryDraft("Dave's Mustang restoration: vintage Mustang, Dave restored it.") { Actor = "Dave" });
        var stored = await store.GetAsync(Me.Tenant, seed.Id);
        var linked = stored! with { Links = [new MemoryLink(far.Id, LinkTypes.Elaborates, 1e40)], Version = stored.Version + 1, UpdatedAt = stored.UpdatedAt.AddSeconds(1) };
        await store.ReplaceAsync(Me.Tenant, stored, linked, new MemoryCore.Ports.AuditRecord(DateTimeOffset.UtcNow, Me.Tenant, Me.User, null, "update", stored.CubeId, seed.Id.ToString(), linked.Version, "test"));

        var hits = await memory.SearchAsync(Me, "chat", "Dave vintage Mustang restored", k: 3, retrieverName: retriever);
        Assert.All(hits, h => Assert.True(double.IsFinite(h.Score) && h.Components.Values.All(double.IsFinite), $"{h.Item.Text}: {h.Score}"));
        var pulled = Assert.Single(hits, h => h.Item.Id == far.Id);
        var seedHit = Assert.Single(hits, h => h.Item.Id == seed.Id);
        Assert.True(pulled.Components["links"] <= 0.5 * seedHit.Score + 1e-6, $"links {pulled.Components["links"]}, seed {seedHit.Score}");
        Assert.True(pulled.Score < seedHit.Score);
    }

    [Fact]
    public void Negative_or_nonsense_weights_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { TagWeight = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { LinkWeight = float.NaN }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { LinkSeeds = 0 }.Validate());
    }
}

/// <summary>Time-aware ranking of "when" questions.</summary>
public sealed class TimeAwareRankingTests : IAsyncLifetime
{
    private static readonly Scope Me = new("acme", "alice");
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-time-" + Guid.NewGuid().ToString("N"));
    private MemoryOS memory = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        var store = SqliteMemoryStore.Open(Path.Combine(folder, "t.db"));
        memory = new MemoryOS(store, [new HybridRetriever(store, new HybridOptions { Name = "plain" }), new HybridRetriever(store, new HybridOptions { Name = "time", TimeWeight = 0.5f })]);
        await memory.CreateCubeAsync(Me, "chat");
    }

    public async Task DisposeAsync()
    {
        await memory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_when_question_prefers_the_memory_that_says_when_and_other_questions_are_untouched()
    {
        var undated = await memory.AddAsync(Me, "chat", new MemoryDraft("Melanie painted a sunrise, a sunrise over the lake, such a sunrise!") { Actor = "Melanie" });
        var dated = await memory.AddAsync(Me, "chat", new MemoryDraft("Melanie painted the lake sunrise last year.") { Actor = "Melanie" });

        var plain = await memory.SearchAsync(Me, "chat", "When did Melanie paint a sunrise?", k: 2, retrieverName: "plain");
        Assert.Equal(undated.Id, plain[0].Item.Id);
        var timed = await memory.SearchAsync(Me, "chat", "When did Melanie paint a sunrise?", k: 2, retrieverName: "time");
        Assert.Equal(dated.Id, timed[0].Item.Id);
        Assert.Equal(0.5, timed[0].Components["time"], 3);

        var what = await memory.SearchAsync(Me, "chat", "What did Melanie paint over the lake?", k: 2, retrieverName: "time");
        Assert.False(what[0].Components.ContainsKey("time"));
    }
}
