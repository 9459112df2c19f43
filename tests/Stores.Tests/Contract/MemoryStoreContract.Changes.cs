using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Hybrid;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>The change feed: per cube, increasing sequence numbers, every committed write told, purges marked.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task A_cube_deleted_and_restored_under_its_id_continues_its_change_feed_past_what_readers_saw()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var notes = new List<MemoryItem>();
        for (int i = 0; i < 5; i++)
        {
            notes.Add(await s.AddAsync(cube, $"note {i}"));
        }

        long seen = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);
        await s.Store.DeleteCubeAsync(s.Tenant, cube.Id, s.Audit("cube.delete", cube.Id));
        var back = s.Item(cube, "restored note");
        await s.Store.RestoreCubeAsync(cube, [[back]], s.Audit("import"));

        // A reader that had seen `seen` finds the restored memory after it, never at or below it.
        Assert.True(await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id) > seen);
        var after = await s.Store.ReadChangesAsync(s.Tenant, cube.Id, seen, 100);
        Assert.Contains(after, c => c.MemoryId == back.Id && !c.Purged);
        // ... and a purge record of every memory the restored cube lacks, so its index drops them.
        Assert.All(notes, n => Assert.Contains(after, c => c.MemoryId == n.Id && c.Purged));
    }

    [SkippableFact]
    public async Task A_cube_deleted_and_restored_under_its_id_keeps_the_purge_records_written_before_the_delete()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var purged = await s.AddAsync(cube, "a note purged before the delete");
        var deleted = await s.AddAsync(cube, "a note the delete purges");

        long seen = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);
        Assert.True(await s.PurgeAsync(purged));
        await s.Store.DeleteCubeAsync(s.Tenant, cube.Id, s.Audit("cube.delete", cube.Id));
        var back = s.Item(cube, "restored note");
        await s.Store.RestoreCubeAsync(cube, [[back]], s.Audit("import"));

        // A reader that had seen `seen` learns of the purge made after it too, not only of the delete's.
        var after = await s.Store.ReadChangesAsync(s.Tenant, cube.Id, seen, 100);
        Assert.Contains(after, c => c.MemoryId == purged.Id && c.Purged);
        Assert.Contains(after, c => c.MemoryId == deleted.Id && c.Purged);
        Assert.Contains(after, c => c.MemoryId == back.Id && !c.Purged);
    }

    [SkippableFact]
    public async Task Deleting_a_cube_whose_memories_were_all_purged_does_not_take_its_change_sequence_back()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        Assert.True(await s.PurgeAsync(await s.AddAsync(cube, "a note purged before the delete")));
        long seen = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);
        Assert.True(seen > 0);

        Assert.Equal(0, await s.Store.DeleteCubeAsync(s.Tenant, cube.Id, s.Audit("cube.delete", cube.Id)));

        Assert.True(await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id) >= seen);
    }

    [SkippableFact]
    public async Task The_change_feed_tells_of_every_add_update_state_change_recall_and_purge_in_order()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var other = await s.CreateCubeAsync("other");
        Assert.Equal(0, await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id));
        Assert.Empty(await s.Store.ReadChangesAsync(s.Tenant, cube.Id, 0, 10));

        var sequences = new List<long>();
        async Task Step(Func<Task> write)
        {
            await write();
            sequences.Add(await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id));
        }

        MemoryItem a = null!, b = null!;
        await Step(async () => a = await s.AddAsync(cube, "first note"));
        await Step(async () => b = await s.AddAsync(cube, "second note"));
        await Step(async () => a = await s.ReplaceAsync(a, m => m with { Text = "first note, edited" }));
        await Step(async () => a = await s.SetStateAsync(a, LifecycleState.Archived, "faded"));
        await Step(() => s.Store.RecordRecallsAsync(s.Tenant, [b.Id], s.Now.AddDays(1), s.Audit("recall")));
        await Step(() => s.PurgeAsync(b));

        Assert.True(sequences[0] > 0);
        Assert.True(sequences.Zip(sequences.Skip(1)).All(p => p.Second > p.First), $"sequences must grow: {string.Join(", ", sequences)}");
        var feed = await s.Store.ReadChangesAsync(s.Tenant, cube.Id, 0, 100);
        Assert.True(feed.Zip(feed.Skip(1)).All(p => p.Second.Sequence > p.First.Sequence), "the feed is in sequence order");
        Assert.All(feed, c => Assert.Equal(cube.Id, c.CubeId));
        Assert.Equal(sequences[^1], feed[^1].Sequence);

        // A reader that had read up to any step finds each memory written after it, its last entry saying what it is now
        // (a store may drop an entry once a later one names the same memory: entries carry no content, a reader re-reads).
        MemoryId[] written = [a.Id, b.Id, a.Id, a.Id, b.Id, b.Id];
        for (int step = 0; step < sequences.Count; step++)
        {
            long seen = step == 0 ? 0 : sequences[step - 1];
            var after = await s.Store.ReadChangesAsync(s.Tenant, cube.Id, seen, 100);
            Assert.Equal(feed.Where(c => c.Sequence > seen), after);
            Assert.Equal(written.Skip(step).ToHashSet(), after.Select(c => c.MemoryId).ToHashSet());
        }

        Assert.False(feed.Last(c => c.MemoryId == a.Id).Purged);
        Assert.True(feed.Last(c => c.MemoryId == b.Id).Purged);
        Assert.Equal(feed.Take(2), await s.Store.ReadChangesAsync(s.Tenant, cube.Id, 0, 2));
        Assert.Empty(await s.Store.ReadChangesAsync(s.Tenant, cube.Id, sequences[^1], 100));

        // Another cube's writes are in its own feed (numbered per cube: a store may share one sequence across cubes or not).
        var elsewhere = await s.AddAsync(other, "in the other cube");
        Assert.Equal(sequences[^1], await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id));
        var otherChange = Assert.Single(await s.Store.ReadChangesAsync(s.Tenant, other.Id, 0, 100));
        Assert.Equal((elsewhere.Id, other.Id, false), (otherChange.MemoryId, otherChange.CubeId, otherChange.Purged));
        Assert.True(otherChange.Sequence > 0);
    }

    [SkippableFact]
    public async Task Recalls_leave_one_entry_per_memory_in_the_change_feed_and_still_move_it_on()
    {
        // Every recall updates the memory's counters and so writes a feed entry: kept all, the feed grew with use for ever.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var recalled = await s.AddAsync(cube, "a note recalled again and again");
        var purged = await s.AddAsync(cube, "a note edited, then purged");
        long beforeRecalls = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);

        var sequences = new List<long>();
        for (int i = 1; i <= 20; i++)
        {
            await s.Store.RecordRecallsAsync(s.Tenant, [recalled.Id], s.Now.AddDays(i), s.Audit("recall"));
            sequences.Add(await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id));
        }

        await s.ReplaceAsync(purged, m => m with { Text = "a note edited" });
        Assert.True(await s.PurgeAsync(purged));
        sequences.Add(await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id));

        // The sequence moves on with every write, and the feed holds each memory once: its last entry, the purge as such.
        Assert.True(sequences.Prepend(beforeRecalls).Zip(sequences).All(p => p.Second > p.First), $"sequences must grow: {string.Join(", ", sequences)}");
        var feed = await s.Store.ReadChangesAsync(s.Tenant, cube.Id, 0, 100);
        Assert.Equal([(recalled.Id, false), (purged.Id, true)], feed.Select(c => (c.MemoryId, c.Purged)));
        Assert.Equal(sequences[^1], feed[^1].Sequence);

        // A reader positioned before a dropped entry is before its replacement: it still learns of the memory.
        foreach (long seen in sequences.SkipLast(2).Prepend(beforeRecalls))
        {
            Assert.Contains(await s.Store.ReadChangesAsync(s.Tenant, cube.Id, seen, 100), c => c.MemoryId == recalled.Id && !c.Purged);
        }
    }

    [SkippableFact]
    public async Task A_recall_reaches_an_index_ranking_by_retention_through_the_change_feed()
    {
        // The hybrid retriever's strength boost ranks by forgetting-curve retention, from the memories its index holds. The
        // facade tells no listener of a recall (it updates counters in place, no version): the index learns of one from the
        // feed alone, so a feed that left out recall-only updates would keep ranking a recalled memory by its old clock.
        await using var s = await StartAsync();
        var clock = new ManualTime(StoreScenario.Start);
        using var hybrid = new HybridRetriever(s.Store, new HybridOptions { StrengthWeight = 1 }, timeProvider: clock);
        var memory = new MemoryOS(s.Store, hybrid, timeProvider: clock);
        await memory.CreateCubeAsync(s.Alice, "notes");
        await memory.AddAsync(s.Alice, "notes", new MemoryDraft("Alice keeps bees in the garden"));
        var recalled = await memory.AddAsync(s.Alice, "notes", new MemoryDraft("Alice keeps bees in the orchard"));
        clock.Advance(TimeSpan.FromDays(30)); // retention e^(-30/1): both all but forgotten
        var before = await memory.SearchAsync(s.Alice, "notes", "bees", k: 2); // builds the index

        await memory.RecordRecallAsync(s.Alice, [recalled.Id]);
        var after = await memory.SearchAsync(s.Alice, "notes", "bees", k: 2);

        Assert.Equal(recalled.Id, after[0].Item.Id);
        Assert.Equal(1, after[0].Item.RecallCount);
        Assert.True(after[0].Score > before.Single(h => h.Item.Id == recalled.Id).Score + 0.5, $"scores {before.Single(h => h.Item.Id == recalled.Id).Score} -> {after[0].Score}");
    }
}
