using System.Collections.Concurrent;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Two stores over one database writing at once, as two processes would.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Two_stores_adding_at_once_keep_every_acknowledged_add_exactly_once()
    {
        await using var s = await StartAsync();
        var second = await s.Backend.OpenAsync();
        var cube = await s.CreateCubeAsync("busy");
        const int Writers = 6, AddsEach = 12;
        var acknowledged = new ConcurrentBag<MemoryId>();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var store = w % 2 == 0 ? s.Store : second;
            for (int i = 0; i < AddsEach; i++)
            {
                var outcome = Assert.Single(await s.AddAsync([s.Item(cube, $"writer {w} note {i}")], via: store));
                Assert.True(outcome.Created);
                acknowledged.Add(outcome.Id);
            }
        })));

        Assert.Equal(Writers * AddsEach, acknowledged.Distinct().Count());
        foreach (var store in new[] { s.Store, second })
        {
            var listed = (await s.ListAllAsync(cube.Id, store)).Select(m => m.Id).ToList();
            Assert.Equal(listed.Count, listed.Distinct().Count());
            Assert.Equal(acknowledged.ToHashSet(), listed.ToHashSet());
        }

        var feed = await s.Store.ReadChangesAsync(s.Tenant, cube.Id, 0, 1000);
        Assert.Equal(acknowledged.ToHashSet(), feed.Select(c => c.MemoryId).ToHashSet());
        Assert.Equal(Writers * AddsEach, feed.Count);
        Assert.True(feed.Zip(feed.Skip(1)).All(p => p.Second.Sequence > p.First.Sequence));
        Assert.Equal(Writers * AddsEach, (await second.ReadAuditAsync(s.Tenant)).Count(a => a.Action == "add"));
    }

    [SkippableFact]
    public async Task Two_concurrent_replaces_of_one_version_let_exactly_one_win()
    {
        await using var s = await StartAsync();
        var second = await s.Backend.OpenAsync();
        var cube = await s.CreateCubeAsync("contested");
        var neighbour = await s.AddAsync(cube, "a neighbour to link to");
        for (int round = 0; round < 6; round++)
        {
            // Odd rounds change tags and links too, which live in rows of their own: the loser must touch none of them.
            var v1 = await s.AddAsync(cube, $"contested fact {round}", m => m with { Tags = ["before"] });
            bool sideRows = round % 2 == 1;
            var fromFirst = s.NextVersion(v1, m => m with { Text = $"first store's edit {round}", Tags = sideRows ? ["shared", "first"] : m.Tags, Links = sideRows ? [new MemoryLink(neighbour.Id, "first")] : m.Links });
            var fromSecond = s.NextVersion(v1, m => m with { Text = $"second store's edit {round}", Tags = sideRows ? ["shared", "second"] : m.Tags, Links = sideRows ? [new MemoryLink(neighbour.Id, "second")] : m.Links });

            var won = await Task.WhenAll(
                Task.Run(() => TryReplaceAsync(s, s.Store, fromFirst)),
                Task.Run(() => TryReplaceAsync(s, second, fromSecond)));

            Assert.Single(won, w => w);
            var current = (await s.Store.GetAsync(s.Tenant, v1.Id))!;
            Assert.Equal(2, current.Version);
            var winner = won[0] ? fromFirst.Next : fromSecond.Next;
            Assert.Equal(winner.Text, current.Text);
            Assert.Equal(winner.Tags, current.Tags);
            Assert.Equal(winner.Links.Select(l => l.Type), current.Links.Select(l => l.Type));
            Assert.Equal([1, 2], (await second.GetHistoryAsync(s.Tenant, v1.Id)).Select(v => v.Version));
            Assert.Equal(["add", "update"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = v1.Id })).Select(a => a.Action));
        }
    }

    [SkippableFact]
    public async Task Concurrent_recalls_from_two_stores_lose_no_increment()
    {
        await using var s = await StartAsync();
        var second = await s.Backend.OpenAsync();
        var cube = await s.CreateCubeAsync("recalled");
        var memory = await s.AddAsync(cube, "a much recalled fact");
        const int Tasks = 4, RecallsEach = 5;

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            var store = t % 2 == 0 ? s.Store : second;
            for (int i = 0; i < RecallsEach; i++)
            {
                Assert.Single(await store.RecordRecallsAsync(s.Tenant, [memory.Id], s.Now.AddDays(1), s.Audit("recall")));
            }
        })));

        Assert.Equal(Tasks * RecallsEach, (await second.GetAsync(s.Tenant, memory.Id))!.RecallCount);
        Assert.Equal(Tasks * RecallsEach, (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = memory.Id })).Count(a => a.Action == "recall"));
    }

    private static async Task<bool> TryReplaceAsync(StoreScenario s, IMemoryStore store, (MemoryItem Superseded, MemoryItem Next) version)
    {
        try
        {
            await store.ReplaceAsync(s.Tenant, version.Superseded, version.Next, s.Audit("update", version.Next.CubeId, version.Next.Id, version.Next.Version));
            return true;
        }
        catch (MemoryStateException)
        {
            return false;
        }
    }
}
