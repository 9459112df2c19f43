using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
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

    [Theory]
    [InlineData("tag")]
    [InlineData("speaker")]
    [InlineData("session")]
    public async Task A_turn_the_facade_would_refuse_fails_the_import_before_any_batch_is_stored_naming_the_turn(string bad)
    {
        // Turns were checked only as each batch was added: turn 120's empty tag was found after turns 1 to 100 had committed.
        var turns = Enumerable.Range(1, 150)
            .Select(i => new ConversationTurn($"t{i}", i == 120 && bad == "speaker" ? new string('x', 1025) : "user", $"Turn number {i} about the queue.", null, i == 120 && bad == "tag" ? [""] : []))
            .ToArray();
        string late = bad == "session" ? new string('s', 129) : "s2"; // a session name is at most 128 characters
        var conversation = new ConversationDocument("c", null, [new ConversationSession("s1", null, turns[..119]), new ConversationSession(late, null, turns[119..])]);

        var ex = await Assert.ThrowsAnyAsync<MemoryValidationException>(() => ConversationImporter.ImportAsync(memory, TestDatabase.Alice, "chat", conversation)); // a speaker too long: ContentTooLargeException
        Assert.Contains("c/t120", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await memory.CountAsync(TestDatabase.Alice, "chat"));
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
