using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary>Listing pages through the store with growing pages: every memory once, in id order, whatever the cube's size.</summary>
public sealed partial class MemoryOSOverInMemoryStoreTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(192)]
    [InlineData(448)]
    [InlineData(449)]
    [InlineData(1_500)]
    public async Task Listing_streams_every_memory_once_in_id_order_across_growing_pages(int size)
    {
        await memory.CreateCubeAsync(Alice, "many");
        IReadOnlyList<AddOutcome> added = size == 0 ? [] : await memory.AddBatchAsync(Alice, "many", [.. Enumerable.Range(0, size).Select(i => new MemoryDraft($"memory {i}") { Tags = i % 3 == 0 ? ["third"] : [] })]);

        var listed = await memory.ListAsync(Alice, "many").Select(m => m.Id).ToListAsync();
        var thirds = await memory.ListAsync(Alice, "many", new MemoryFilter { AnyTags = ["third"] }).Select(m => m.Id).ToListAsync();

        Assert.Equal(added.Select(a => a.Id).Order(), listed);
        Assert.Equal(added.Where((_, i) => i % 3 == 0).Select(a => a.Id).Order(), thirds);
        Assert.Equal(size, await memory.CountAsync(Alice, "many"));
    }
}
