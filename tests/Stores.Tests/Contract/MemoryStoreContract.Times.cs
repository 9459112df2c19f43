using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Times as the facade stamps and takes them: every store keeps what the facade returns.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Times_are_kept_to_the_microsecond_on_every_store_so_an_update_sending_back_a_stored_time_changes_nothing()
    {
        // PostgreSQL keeps microseconds, SQLite and the in-memory store .NET's 100 ns ticks. On PostgreSQL an update sending
        // back the ValidFrom the caller had written (DateTimeOffset.UtcNow has ticks) made a version 2 identical to version 1,
        // and the memory the facade returned held times the store did not.
        await using var s = await StartAsync();
        var clock = new ManualTime(StoreScenario.Start.AddTicks(1_234_567));
        var memory = new MemoryOS(s.Store, new Bm25Retriever(s.Store), timeProvider: clock);
        await memory.CreateCubeAsync(s.Alice, "notes");
        var from = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(5);

        var added = await memory.AddAsync(s.Alice, "notes", new MemoryDraft("Alice moved to Lyon") { ValidFrom = from, ValidTo = from.AddDays(3).AddTicks(3) });
        clock.Advance(TimeSpan.FromTicks(1_000_003));
        var same = await memory.UpdateAsync(s.Alice, added.Id, new MemoryChange { ValidFrom = from });

        Assert.Equal(1, same.Version);
        Assert.Single(await memory.GetHistoryAsync(s.Alice, added.Id));
        StoreScenario.AssertSameMemory(await memory.GetAsync(s.Alice, added.Id), same);

        // A change that is one is written, and the memory returned is the memory stored.
        var moved = await memory.UpdateAsync(s.Alice, added.Id, new MemoryChange { ValidFrom = from.AddMinutes(1) });
        Assert.Equal(2, moved.Version);
        StoreScenario.AssertSameMemory(await memory.GetAsync(s.Alice, added.Id), moved);
        Assert.Equal(0, moved.ValidFrom!.Value.UtcTicks % TimeSpan.TicksPerMicrosecond);
        Assert.Equal(0, moved.UpdatedAt.UtcTicks % TimeSpan.TicksPerMicrosecond);
    }
}
