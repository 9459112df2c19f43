using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Several new versions in one transaction: in order, chained per id, all or none.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Replace_many_writes_every_version_in_order_with_history_links_tags_and_audit()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("batch edits");
        var a = await s.AddAsync(cube, "alpha note about kayaks");
        var b = await s.AddAsync(cube, "beta note about canoes");
        s.Now = s.Now.AddMinutes(1);

        // a twice (the second follows the first), b once, with tags and links that must replace the old ones.
        var (a1, a2) = s.NextVersion(a, m => m with { Tags = ["boats"], Links = [new MemoryLink(b.Id, "related")] }, "tagged");
        var (a2Superseded, a3) = s.NextVersion(a2, m => m with { Text = "alpha note about sea kayaks" }, "edited");
        var (b1, b2) = s.NextVersion(b, m => m with { Tags = ["boats", "rivers"] }, "tagged");
        await s.Store.ReplaceManyAsync(s.Tenant,
        [
            new MemoryReplacement(a1, a2, s.Audit("update", cube.Id, a.Id, 2, "tagged")),
            new MemoryReplacement(b1, b2, s.Audit("update", cube.Id, b.Id, 2, "tagged")),
            new MemoryReplacement(a2Superseded, a3, s.Audit("update", cube.Id, a.Id, 3, "edited")),
        ]);

        var storedA = await s.Store.GetAsync(s.Tenant, a.Id);
        Assert.NotNull(storedA);
        Assert.Equal(3, storedA.Version);
        Assert.Equal("alpha note about sea kayaks", storedA.Text);
        Assert.Equal(["boats"], storedA.Tags);
        Assert.Equal(b.Id, Assert.Single(storedA.Links).Target);
        Assert.Equal(["boats", "rivers"], (await s.Store.GetAsync(s.Tenant, b.Id))!.Tags);
        var history = await s.Store.GetHistoryAsync(s.Tenant, a.Id);
        Assert.Equal([1, 2, 3], history.Select(h => h.Version));
        Assert.Equal(["tagged", "edited"], history.Take(2).Select(h => h.StateReason));
        var audit = (await s.Store.ReadAuditAsync(s.Tenant)).Where(r => r.Action == "update").ToList();
        Assert.Equal([(a.Id.ToString(), 2), (b.Id.ToString(), 2), (a.Id.ToString(), 3)], audit.Select(r => (r.MemoryId!, r.Version!.Value)));
        var lexical = await s.Store.SearchLexicalAsync(s.Tenant, new LexicalQuery(["sea"], new MemoryFilter { CubeId = cube.Id }, 10));
        Assert.Equal(a.Id, Assert.Single(lexical).Item.Id);

        await s.Store.ReplaceManyAsync(s.Tenant, []);
        Assert.Equal(3, (await s.Store.GetAsync(s.Tenant, a.Id))!.Version);
    }

    [SkippableFact]
    public async Task A_merge_gives_the_survivor_the_recalls_of_the_memory_it_absorbs_as_stored()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("merges");
        var keep = await s.AddAsync(cube, "Alice keeps her locker code written inside the blue notebook");
        var drop = await s.AddAsync(cube, "Alice keeps her locker code written inside the notebook");
        var other = await s.AddAsync(cube, "Bob parks on level three");

        // The merge is built from reads taken before the recalls: the store combines the counters as they are at the write.
        await s.Store.RecordRecallsAsync(s.Tenant, [keep.Id], s.Now.AddDays(1), s.Audit("recall"));
        await s.Store.RecordRecallsAsync(s.Tenant, [drop.Id], s.Now.AddDays(3), s.Audit("recall"));
        await s.Store.RecordRecallsAsync(s.Tenant, [drop.Id], s.Now.AddDays(3).AddHours(1), s.Audit("recall"));
        var (keptBefore, droppedBefore) = ((await s.Store.GetAsync(s.Tenant, keep.Id))!, (await s.Store.GetAsync(s.Tenant, drop.Id))!);
        var (drop1, drop2) = s.NextVersion(drop, m => m with { State = LifecycleState.Superseded, StateReason = "consolidated" }, "consolidated");
        var (keep1, keep2) = s.NextVersion(keep, m => m with { Links = [new MemoryLink(drop.Id, "supersedes")] }, "absorbed");
        MemoryReplacement Supersede() => new(drop1, drop2, s.Audit("supersede", cube.Id, drop.Id, 2));
        MemoryReplacement Absorb(MemoryId from) => new(keep1, keep2, s.Audit("update", cube.Id, keep.Id, 2)) { AbsorbsRecallsOf = from };

        // Only a memory the same call supersedes, and only once: otherwise nothing is written.
        foreach (var refused in new MemoryReplacement[][] { [Absorb(drop.Id)], [Absorb(other.Id)], [Absorb(keep.Id)], [Supersede(), Absorb(drop.Id), Absorb(drop.Id)] })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => s.Store.ReplaceManyAsync(s.Tenant, refused));
        }

        Assert.Equal(1, (await s.Store.GetAsync(s.Tenant, drop.Id))!.Version);
        await s.Store.ReplaceManyAsync(s.Tenant, [Supersede(), Absorb(drop.Id)]);

        var survivor = (await s.Store.GetAsync(s.Tenant, keep.Id))!;
        Assert.Equal(2, survivor.Version);
        Assert.True(droppedBefore.Strength > keptBefore.Strength);
        Assert.Equal((droppedBefore.Strength, droppedBefore.LastRecalledAt, 3), (survivor.Strength, survivor.LastRecalledAt, survivor.RecallCount));
        var absorbed = (await s.Store.GetAsync(s.Tenant, drop.Id))!;
        Assert.Equal((LifecycleState.Superseded, droppedBefore.Strength, 2), (absorbed.State, absorbed.Strength, absorbed.RecallCount));
        var untouched = (await s.Store.GetAsync(s.Tenant, other.Id))!;
        Assert.Equal((1.0, 0), (untouched.Strength, untouched.RecallCount));
    }

    [SkippableFact]
    public async Task Replace_many_stays_one_transaction_however_many_statements_it_takes()
    {
        // 400 replacements are more statements than a store sends at once: the stale last one must still undo the rest.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("large batch");
        var items = Enumerable.Range(0, 400).Select(i => s.Item(cube, $"note number {i}")).ToList();
        await s.AddAsync(items);
        var stored = (await s.ListAllAsync(cube.Id)).OrderBy(m => m.Text, StringComparer.Ordinal).ToList();
        MemoryReplacement Archive(MemoryItem m) =>
            s.NextVersion(m, c => c with { State = LifecycleState.Archived, StateReason = "faded" }, "faded") is var (old, next)
                ? new MemoryReplacement(old, next, s.Audit("state", cube.Id, m.Id, 2, "faded"))
                : throw new InvalidOperationException();

        var stale = Archive(stored[^1] with { Version = 7 });
        await Assert.ThrowsAsync<MemoryVersionConflictException>(() => s.Store.ReplaceManyAsync(s.Tenant, [.. stored.Take(399).Select(Archive), stale]));
        Assert.All(await s.ListAllAsync(cube.Id), m => Assert.Equal((1, LifecycleState.Active), (m.Version, m.State)));
        Assert.DoesNotContain(await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { Limit = 10_000 }), a => a.Action == "state");

        await s.Store.ReplaceManyAsync(s.Tenant, [.. stored.Select(Archive)]);
        Assert.All(await s.ListAllAsync(cube.Id), m => Assert.Equal((2, LifecycleState.Archived), (m.Version, m.State)));
        Assert.Equal(400, (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { Limit = 10_000 })).Count(a => a.Action == "state"));
        Assert.Equal(2, (await s.Store.GetHistoryAsync(s.Tenant, stored[123].Id)).Count);
    }

    [SkippableFact]
    public async Task Replace_many_with_one_stale_version_writes_nothing()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("stale batch");
        var a = await s.AddAsync(cube, "first of the batch");
        var b = await s.AddAsync(cube, "second of the batch");
        b = await s.ReplaceAsync(b, m => m with { Text = "second of the batch, edited elsewhere" });
        long sequence = await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id);
        int audits = (await s.Store.ReadAuditAsync(s.Tenant)).Count;

        var (a1, a2) = s.NextVersion(a, m => m with { Text = "first, edited in the batch" });
        var (staleB, staleNext) = s.NextVersion(b with { Version = 1 }, m => m with { Text = "second, from a stale read" });
        await Assert.ThrowsAsync<MemoryVersionConflictException>(() => s.Store.ReplaceManyAsync(s.Tenant,
        [
            new MemoryReplacement(a1, a2, s.Audit("update", cube.Id, a.Id, 2)),
            new MemoryReplacement(staleB, staleNext, s.Audit("update", cube.Id, b.Id, 2)),
        ]));

        // The first replacement was valid, but the batch is one transaction: it was rolled back too.
        var storedA = await s.Store.GetAsync(s.Tenant, a.Id);
        Assert.Equal(1, storedA!.Version);
        Assert.Equal("first of the batch", storedA.Text);
        Assert.Single(await s.Store.GetHistoryAsync(s.Tenant, a.Id));
        Assert.Equal("second of the batch, edited elsewhere", (await s.Store.GetAsync(s.Tenant, b.Id))!.Text);
        Assert.Equal(sequence, await s.Store.GetChangeSequenceAsync(s.Tenant, cube.Id));
        Assert.Equal(audits, (await s.Store.ReadAuditAsync(s.Tenant)).Count);

        // A chain that skips a version is refused before anything is written.
        var (skipped, skippedNext) = s.NextVersion(a with { Version = 2 }, m => m with { Text = "skips version 2" });
        await Assert.ThrowsAsync<MemoryVersionConflictException>(() => s.Store.ReplaceManyAsync(s.Tenant, [new MemoryReplacement(skipped, skippedNext, s.Audit("update", cube.Id, a.Id, 3))]));
        Assert.Equal(1, (await s.Store.GetAsync(s.Tenant, a.Id))!.Version);
    }
}
