using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Stores.Tests;

/// <summary><see cref="MemoryOS.UpdateManyAsync"/>: many versions, one transaction, the checks of a single update.</summary>
public sealed partial class MemoryOSOverInMemoryStoreTests
{
    [Fact]
    public async Task Updates_apply_in_order_across_cubes_and_an_id_twice_gets_two_versions()
    {
        await memory.CreateCubeAsync(Alice, "work");
        var berlin = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Alice lives in Berlin"))).Id;
        var report = (await memory.AddAsync(Alice, "work", new MemoryDraft("The report is due Friday"))).Id;
        clock.Advance(TimeSpan.FromHours(1));

        var written = await memory.UpdateManyAsync(Alice,
        [
            new MemoryUpdate(berlin, new MemoryChange { Text = "Alice lives in Munich", Reason = "she moved" }),
            new MemoryUpdate(report, new MemoryChange { Tags = ["deadline"] }),
            new MemoryUpdate(berlin, new MemoryChange { Tags = ["home"], Reason = "tagged" }),
        ]);

        Assert.Equal([(berlin, 2), (report, 2), (berlin, 3)], written.Select(w => (w.Id, w.Version)));
        var now = await memory.GetAsync(Alice, berlin);
        Assert.Equal(("Alice lives in Munich", 3, clock.Now), (now.Text, now.Version, now.UpdatedAt));
        Assert.Equal(["home"], now.Tags);
        var history = await memory.GetHistoryAsync(Alice, berlin);
        Assert.Equal(["she moved", "tagged", null], history.Select(h => h.StateReason));
        Assert.Equal(["deadline"], (await memory.GetAsync(Alice, report)).Tags);
        Assert.Equal(["add", "update", "update", "recall"], (await memory.GetAuditAsync(Alice, berlin)).Select(a => a.Action)); // a new text is a recall, once per batch
        Assert.Equal(berlin, Assert.Single(await memory.SearchAsync(Alice, "notes", "Munich")).Item.Id);
        Assert.Empty(await memory.UpdateManyAsync(Alice, []));
    }

    [Fact]
    public async Task One_bad_update_stores_nothing_of_the_batch()
    {
        var a = (await memory.AddAsync(Alice, "notes", new MemoryDraft("first"))).Id;
        var b = (await memory.AddAsync(Alice, "notes", new MemoryDraft("second"))).Id;
        var frozen = (await memory.AddAsync(Alice, "notes", new MemoryDraft("frozen one"))).Id;
        await memory.SetStateAsync(Alice, frozen, LifecycleState.Frozen, "keep");

        var invalid = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateManyAsync(Alice,
        [
            new MemoryUpdate(a, new MemoryChange { Text = "first, edited" }),
            new MemoryUpdate(b, new MemoryChange { Text = "   " }),
        ]));
        Assert.StartsWith("Item 1 of the batch:", invalid.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MemoryFrozenException>(() => memory.UpdateManyAsync(Alice,
        [
            new MemoryUpdate(a, new MemoryChange { Text = "first, edited" }),
            new MemoryUpdate(frozen, new MemoryChange { Text = "thawed?" }),
        ]));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.UpdateManyAsync(Alice,
        [
            new MemoryUpdate(a, new MemoryChange { Text = "first, edited" }),
            new MemoryUpdate(MemoryId.NewId(), new MemoryChange { Text = "nobody" }),
        ]));

        Assert.Equal(("first", 1), ((await memory.GetAsync(Alice, a)).Text, (await memory.GetAsync(Alice, a)).Version));
        Assert.Equal(["add"], (await memory.GetAuditAsync(Alice, a)).Select(x => x.Action));
    }

    [Fact]
    public async Task Every_cube_touched_must_grant_the_actor_write()
    {
        await memory.CreateCubeAsync(Alice, "work");
        var mine = (await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's note"))).Id;
        var shared = (await memory.AddAsync(Alice, "work", new MemoryDraft("shared note"))).Id;
        await memory.SetGrantsAsync(Alice, "work", [new CubeGrant("bob", null, CubeAccess.ReadWrite)]);
        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.Read)]);

        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.UpdateManyAsync(Bob,
        [
            new MemoryUpdate(shared, new MemoryChange { Text = "bob's edit" }),
            new MemoryUpdate(mine, new MemoryChange { Text = "bob's edit" }),
        ]));
        Assert.Equal("shared note", (await memory.GetAsync(Alice, shared)).Text);

        var written = await memory.UpdateManyAsync(Bob, [new MemoryUpdate(shared, new MemoryChange { Text = "bob's edit" })]);
        Assert.Equal("bob's edit", Assert.Single(written).Text);
    }
}
