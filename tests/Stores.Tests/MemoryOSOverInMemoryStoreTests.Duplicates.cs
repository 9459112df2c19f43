using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Stores.Tests;

/// <summary>De-duplication of copies that differ only in what does not show: line endings, a leading byte order mark.</summary>
public sealed partial class MemoryOSOverInMemoryStoreTests
{
    [Theory]
    [InlineData("line one\r\nline two")]
    [InlineData("\uFEFFline one\nline two")]
    public async Task A_copy_with_other_line_endings_or_a_byte_order_mark_is_a_duplicate(string copy)
    {
        var first = await memory.AddAsync(Alice, "notes", new MemoryDraft("line one\nline two"));

        var second = await memory.AddAsync(Alice, "notes", new MemoryDraft(copy));

        Assert.True(first.Created);
        Assert.Equal((false, first.Id), (second.Created, second.Id));
        Assert.Single(await memory.ListAsync(Alice, "notes").ToListAsync());
    }
}
