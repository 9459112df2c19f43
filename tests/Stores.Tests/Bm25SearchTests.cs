using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

public sealed class Bm25SearchTests : IAsyncLifetime
{
    private readonly TestDatabase db = new();
    private MemoryOS memory = null!;

    public async Task InitializeAsync()
    {
        memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "chat");
    }

    public async Task DisposeAsync() => await db.DisposeAsync();

    [Fact]
    public async Task An_exact_keyword_match_ranks_first_among_many_distractors()
    {
        var distractors = Enumerable.Range(0, 200).Select(i => new MemoryDraft($"We talked about the weather, lunch and the meeting on day {i}.")).ToList();
        distractors.Insert(97, new MemoryDraft("My passport number ends in 4471 and it expires next spring."));
        distractors.Insert(150, new MemoryDraft("The meeting about the passport office was moved."));
        var outcomes = await memory.AddBatchAsync(TestDatabase.Alice, "chat", distractors);

        var hits = await memory.SearchAsync(TestDatabase.Alice, "chat", "When does my passport expire?", k: 5);

        Assert.Equal(outcomes[97].Id, hits[0].Item.Id);
        Assert.True(hits[0].Score > hits[1].Score);
        Assert.True(hits[0].Components["bm25"] > 0);
    }

    [Fact]
    public async Task Stemming_matches_other_forms_of_a_word()
    {
        var id = (await memory.AddAsync(TestDatabase.Alice, "chat", new MemoryDraft("Caroline went running along the river"))).Id;
        await memory.AddAsync(TestDatabase.Alice, "chat", new MemoryDraft("Melanie painted a sunrise"));
        var hits = await memory.SearchAsync(TestDatabase.Alice, "chat", "Who runs by the river?");
        Assert.Equal(id, hits[0].Item.Id);
    }

    [Fact]
    public async Task Speaker_names_are_searchable()
    {
        var id = (await memory.AddAsync(TestDatabase.Alice, "chat", new MemoryDraft("I finally adopted a puppy!") { Actor = "Caroline" })).Id;
        await memory.AddAsync(TestDatabase.Alice, "chat", new MemoryDraft("I finally bought a car!") { Actor = "Melanie" });
        var hits = await memory.SearchAsync(TestDatabase.Alice, "chat", "What did Caroline adopt?");
        Assert.Equal(id, hits[0].Item.Id);
    }

    [Theory]
    [InlineData("\"unbalanced quote")]
    [InlineData("passport AND NOT (")]
    [InlineData("pass* OR NEAR(x y)")]
    [InlineData("column:filter ^start")]
    [InlineData("'; DROP TABLE memories; --")]
    public async Task Query_syntax_in_user_text_is_treated_as_words(string query)
    {
        await memory.AddAsync(TestDatabase.Alice, "chat", new MemoryDraft("The passport is in the drawer"));
        var hits = await memory.SearchAsync(TestDatabase.Alice, "chat", query);
        Assert.NotNull(hits);
        Assert.Equal(1, db.Scalar("SELECT COUNT(*) FROM memories"));
    }

    [Fact]
    public async Task Filters_restrict_matches_by_tag_session_and_event_time()
    {
        var may = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var june = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var a = (await memory.AddAsync(TestDatabase.Alice, "chat", new MemoryDraft("coffee with Sam") { Tags = ["social"], Session = "s1", ValidFrom = may })).Id;
        var b = (await memory.AddAsync(TestDatabase.Alice, "chat", new MemoryDraft("coffee beans order") { Tags = ["shopping"], Session = "s2", ValidFrom = june })).Id;

        Assert.Equal([a], (await memory.SearchAsync(TestDatabase.Alice, "chat", "coffee", filter: new MemoryFilter { AnyTags = ["SOCIAL"] })).Select(h => h.Item.Id));
        Assert.Equal([b], (await memory.SearchAsync(TestDatabase.Alice, "chat", "coffee", filter: new MemoryFilter { Session = "s2" })).Select(h => h.Item.Id));
        Assert.Equal([b], (await memory.SearchAsync(TestDatabase.Alice, "chat", "coffee", filter: new MemoryFilter { ValidFromOrAfter = june })).Select(h => h.Item.Id));
        Assert.Equal([a], (await memory.SearchAsync(TestDatabase.Alice, "chat", "coffee", filter: new MemoryFilter { ValidFromBefore = june })).Select(h => h.Item.Id));
    }

    [Fact]
    public async Task K_outside_the_allowed_range_is_refused_rather_than_truncated()
    {
        await Assert.ThrowsAsync<MemoryCore.Errors.MemoryValidationException>(() => memory.SearchAsync(TestDatabase.Alice, "chat", "x", k: 0));
        await Assert.ThrowsAsync<MemoryCore.Errors.MemoryValidationException>(() => memory.SearchAsync(TestDatabase.Alice, "chat", "x", k: 1001));
        await Assert.ThrowsAsync<MemoryCore.Errors.MemoryValidationException>(() => memory.SearchAsync(TestDatabase.Alice, "chat", "  "));
    }
}
