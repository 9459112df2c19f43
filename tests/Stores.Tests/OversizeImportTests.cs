using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Import;

namespace AgentMem.Stores.Tests;

public sealed class OversizeImportTests : IAsyncLifetime
{
    private readonly TestDatabase db = new();
    private MemoryOS memory = null!;

    public async Task InitializeAsync()
    {
        memory = db.OpenMemory(new MemoryOSOptions { MaxContentBytes = 2_000 });
        await memory.CreateCubeAsync(TestDatabase.Alice, "chat");
    }

    public async Task DisposeAsync() => await memory.DisposeAsync();

    [Fact]
    public async Task A_turn_over_the_limit_is_skipped_and_reported_while_the_rest_is_imported()
    {
        var result = await ConversationImporter.ImportAsync(memory, TestDatabase.Alice, "chat", Conversation(), batchSize: 2);
        Assert.Equal(4, result.Outcomes.Count);
        var skipped = Assert.Single(result.Oversized);
        Assert.Equal("c/s1:3", skipped.TurnId);
        Assert.Equal(0, skipped.Parts);
        Assert.True(skipped.Bytes > 2_000);
        Assert.DoesNotContain(await memory.ListAsync(TestDatabase.Alice, "chat").ToListAsync(), m => m.Provenance.SourceRef!.StartsWith("c/s1:3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Split_stores_an_oversized_turn_in_parts_under_the_limit_that_rebuild_its_text()
    {
        var conversation = Conversation();
        var result = await ConversationImporter.ImportAsync(memory, TestDatabase.Alice, "chat", conversation, oversize: OversizePolicy.Split);
        var split = Assert.Single(result.Oversized);
        Assert.True(split.Parts >= 3, $"{split.Parts} parts");
        var parts = (await memory.ListAsync(TestDatabase.Alice, "chat").ToListAsync())
            .Where(m => m.Provenance.SourceRef!.StartsWith("c/s1:3#part", StringComparison.Ordinal))
            .OrderBy(m => int.Parse(m.Provenance.SourceRef!["c/s1:3#part".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(split.Parts, parts.Count);
        Assert.All(parts, p => Assert.True(System.Text.Encoding.UTF8.GetByteCount(p.Text) <= 2_000));
        Assert.All(parts, p => Assert.Equal("assistant", p.Provenance.Actor));
        Assert.Equal(conversation.Sessions[0].Turns[2].Text, string.Concat(parts.Select(p => p.Text)));
    }

    private static ConversationDocument Conversation()
    {
        string longAnswer = string.Concat(Enumerable.Range(0, 60).Select(i => $"Step {i}: check the billing queue retries and the cache TTL. "));
        var turns = new[] { "How do I fix the retries?", "Which queue?", longAnswer, "Thanks, that worked.", "One more thing: the cache." }
            .Select((text, i) => new ConversationTurn($"s1:{i + 1}", i % 2 == 0 && i != 2 ? "user" : "assistant", text, null, []))
            .ToList();
        return new ConversationDocument("c", null, [new ConversationSession("s1", null, turns)]);
    }
}
