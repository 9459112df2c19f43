using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary>A filter's event-time range that no memory can fall in is refused, not answered with nothing.</summary>
public sealed partial class MemoryOSOverInMemoryStoreTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(0)]
    public async Task A_time_range_that_starts_at_or_after_its_end_is_refused_naming_both_bounds(int daysReversed)
    {
        // Bounds passed backwards matched no memory on every path and retriever, with no error: the caller could not tell
        // "nothing happened then" from a range given the wrong way round.
        var june = new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
        await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice ran a marathon") { ValidFrom = june });
        var backwards = new MemoryFilter { ValidFromOrAfter = june.AddDays(daysReversed), ValidFromBefore = june };

        var searched = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.SearchAsync(Alice, "notes", "marathon", filter: backwards));
        await Assert.ThrowsAsync<MemoryValidationException>(async () => await memory.ListAsync(Alice, "notes", backwards).ToListAsync());
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.CountAsync(Alice, "notes", backwards));
        Assert.Contains("ValidFromOrAfter", searched.Message, StringComparison.Ordinal);
        Assert.Contains("ValidFromBefore", searched.Message, StringComparison.Ordinal);
        Assert.Contains("2024-06-01", searched.Message, StringComparison.Ordinal);
        Assert.Contains(daysReversed == 0 ? "2024-06-01" : "2024-06-06", searched.Message, StringComparison.Ordinal);

        // The range the right way round finds the memory; one bound alone is no range to check.
        var around = new MemoryFilter { ValidFromOrAfter = june, ValidFromBefore = june.AddDays(daysReversed + 1) };
        Assert.Single(await memory.SearchAsync(Alice, "notes", "marathon", filter: around));
        Assert.Equal(1, await memory.CountAsync(Alice, "notes", around));
        Assert.Equal(1, await memory.CountAsync(Alice, "notes", new MemoryFilter { ValidFromOrAfter = june }));
    }
}
