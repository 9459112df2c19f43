using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Stores.Tests;

/// <summary>Text of invisible characters alone (a byte order mark, a zero width space) is blank, as white space is.</summary>
public sealed partial class MemoryOSOverInMemoryStoreTests
{
    [Fact]
    public async Task A_memory_or_a_query_of_invisible_characters_alone_is_refused_as_empty()
    {
        // Stored, indexed and counted, a "\u200B" memory took a line of every context with nothing on it.
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(Alice, "notes", new MemoryDraft("\u200B\uFEFF")));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(Alice, "notes", new MemoryDraft(" \u2060 ")));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.SearchAsync(Alice, "notes", "\u200B", 5));
        Assert.Empty(await memory.ListAsync(Alice, "notes").ToListAsync());

        // An optional note of invisible characters is no note, as a blank one is.
        var added = await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice likes tea") { Actor = "\uFEFF", Context = "\u200B" });
        var item = await memory.GetAsync(Alice, added.Id);
        Assert.Null(item.Provenance.Actor);
        Assert.Null(item.Context);
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateAsync(Alice, added.Id, new MemoryChange { Text = "\u200D" }));
    }
}
