using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
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

    [SkippableFact]
    public async Task An_event_start_keeps_the_offset_it_was_given_with_while_filters_and_order_go_by_the_instant()
    {
        // Every store kept ValidFrom in UTC and dropped the offset: an evening of 7 May in Hawaii (-10:00) read back as
        // 06:00 on 8 May, the day the context then showed and the linking job dated "yesterday" from.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var hawaii = new DateTimeOffset(2024, 5, 7, 20, 0, 0, TimeSpan.FromHours(-10));
        var india = new DateTimeOffset(2024, 5, 8, 11, 0, 0, TimeSpan.FromMinutes(330)); // 05:30 UTC, half an hour earlier
        var beach = await s.AddAsync(cube, "We went to the beach together", m => m with { ValidFrom = hawaii });
        var temple = await s.AddAsync(cube, "We visited the temple", m => m with { ValidFrom = india });
        var utc = await s.AddAsync(cube, "A note in UTC");

        Assert.Equal((hawaii, hawaii.Offset), (beach.ValidFrom, beach.ValidFrom!.Value.Offset));
        Assert.Equal((india, india.Offset), (temple.ValidFrom, temple.ValidFrom!.Value.Offset));
        Assert.Equal(TimeSpan.Zero, utc.ValidFrom!.Value.Offset);
        Assert.Equal([hawaii.Offset, india.Offset], (await s.Store.GetManyAsync(s.Tenant, [beach.Id, temple.Id])).Select(m => m.ValidFrom!.Value.Offset));

        // A filter compares instants, whatever offset a memory keeps: 06:00 UTC on 8 May is after 05:45 UTC, 05:30 before it.
        var after = await s.Store.ListAsync(s.Tenant, new MemoryFilter { CubeId = cube.Id, ValidFromOrAfter = new DateTimeOffset(2024, 5, 8, 5, 45, 0, TimeSpan.Zero), ValidFromBefore = new DateTimeOffset(2024, 5, 9, 0, 0, 0, TimeSpan.Zero) }, 10);
        var listed = Assert.Single(after);
        Assert.Equal((beach.Id, hawaii.Offset), (listed.Id, listed.ValidFrom!.Value.Offset));

        // A new version keeps the offset it is given, and the history keeps each version's own.
        var moved = await s.ReplaceAsync(beach, m => m with { ValidFrom = india });
        Assert.Equal(india.Offset, moved.ValidFrom!.Value.Offset);
        var history = await s.Store.GetHistoryAsync(s.Tenant, beach.Id);
        Assert.Equal([hawaii.Offset, india.Offset], history.Select(h => h.ValidFrom!.Value.Offset));
        var lexical = Assert.Single(await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["temple"], new MemoryFilter { CubeId = cube.Id }, 10)));
        Assert.Equal(india.Offset, lexical.Item.ValidFrom!.Value.Offset);

        // A restore (an archive's import) writes the offsets as given too.
        var restored = cube with { Id = MemoryId.NewId().ToString(), Name = "restored" };
        var v1 = s.Item(restored, "We went to the beach together") with { ValidFrom = hawaii, State = LifecycleState.Superseded, StateReason = "moved" };
        await s.Store.RestoreCubeAsync(restored, [[v1, v1 with { Version = 2, ValidFrom = india, State = LifecycleState.Active, StateReason = null }]], s.Audit("import"));
        Assert.Equal([hawaii.Offset, india.Offset], (await s.Store.GetHistoryAsync(s.Tenant, v1.Id)).Select(h => h.ValidFrom!.Value.Offset));
    }
}
