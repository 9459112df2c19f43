using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Import;

namespace AgentMem.Stores.Tests;

/// <summary>A conversation import on a real store: every turn one memory, and the same file imported again adds nothing.</summary>
public sealed class ConversationImportTests : IAsyncLifetime
{
    private readonly TestDatabase db = new();
    private MemoryOS memory = null!;

    public async Task InitializeAsync()
    {
        memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "chat"); // de-duplicating, the default
    }

    public async Task DisposeAsync() => await memory.DisposeAsync();

    [Fact]
    public async Task Two_turns_with_the_same_words_are_two_memories_and_importing_the_file_again_creates_nothing()
    {
        // Turns are written in the importer's scope, so their content matched as one: Leo's turn was counted "already
        // known" and his speaker, session and time were lost.
        var conversation = new ConversationDocument("trip", null,
        [
            new ConversationSession("s1", new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero),
            [
                new ConversationTurn("s1:1", "Leo", "Shall we book the train to Porto?", null, []),
                new ConversationTurn("s1:2", "Maya", "Yes, definitely.", null, []),
            ]),
            new ConversationSession("s4", new DateTimeOffset(2024, 4, 9, 0, 0, 0, TimeSpan.Zero),
            [
                new ConversationTurn("s4:1", "Maya", "Dinner at the fado bar tonight?", null, []),
                new ConversationTurn("s4:2", "Leo", "Yes, definitely.", null, []),
            ]),
        ]);

        var first = await ConversationImporter.ImportAsync(memory, TestDatabase.Alice, "chat", conversation, batchSize: 3);
        Assert.All(first.Outcomes, o => Assert.True(o.Created));
        Assert.Equal(4, first.Outcomes.Select(o => o.Id).Distinct().Count());
        var same = (await memory.ListAsync(TestDatabase.Alice, "chat").ToListAsync()).Where(m => m.Text == "Yes, definitely.").OrderBy(m => m.ValidFrom).ToList();
        Assert.Equal(2, same.Count);
        Assert.Equal(("Maya", "s1", "trip/s1:2"), (same[0].Provenance.Actor, same[0].Scope.Session, same[0].Provenance.SourceRef));
        Assert.Equal(("Leo", "s4", "trip/s4:2"), (same[1].Provenance.Actor, same[1].Scope.Session, same[1].Provenance.SourceRef));

        // Imported again (in other batches): each turn finds its own memory, and nothing is written.
        var again = await ConversationImporter.ImportAsync(memory, TestDatabase.Alice, "chat", conversation, batchSize: 2);
        Assert.All(again.Outcomes, o => Assert.False(o.Created));
        Assert.Equal(first.Outcomes.Select(o => o.Id), again.Outcomes.Select(o => o.Id));
        Assert.Equal(4, await memory.CountAsync(TestDatabase.Alice, "chat"));

        // A memory added by hand with a turn's words is not that turn: the turn is still imported into a fresh cube.
        await memory.CreateCubeAsync(TestDatabase.Alice, "fresh");
        var said = await memory.AddAsync(TestDatabase.Alice, "fresh", new MemoryCore.Model.MemoryDraft("Yes, definitely."));
        var fresh = await ConversationImporter.ImportAsync(memory, TestDatabase.Alice, "fresh", conversation);
        Assert.All(fresh.Outcomes, o => Assert.True(o.Created));
        Assert.DoesNotContain(said.Id, fresh.Outcomes.Select(o => o.Id));
    }
}
