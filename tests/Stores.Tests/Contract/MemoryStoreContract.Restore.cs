using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Restore of an exported cube: rows kept exactly, all or nothing.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Restore_writes_every_version_as_given_and_refuses_clashes_writing_nothing()
    {
        await using var s = await StartAsync();
        var cube = new MemCube { Id = MemoryId.NewId().ToString(), Owner = s.Alice, Name = "restored", CreatedAt = s.Now, UpdatedAt = s.Now };
        var other = s.Item(cube, "Bob likes tea");
        var v1 = s.Item(cube, "Alice lives in Berlin") with { Tags = ["home"], Keywords = ["berlin"], Context = "where Alice lives", State = LifecycleState.Superseded, StateReason = "she moved" };
        var v2 = v1 with { Version = 2, Text = "Alice lives in Munich", Tags = ["city"], State = LifecycleState.Archived, StateReason = "old", UpdatedAt = s.Now.AddDays(2), Links = [new MemoryLink(other.Id, "related", 0.5, "people")], RecallCount = 3, Strength = 2.5 };
        await s.Store.RestoreCubeAsync(cube, [[other], [v1, v2]], s.Audit("import"));

        Assert.Equal("restored", (await s.Store.FindCubeAsync(s.Tenant, cube.Id))!.Name);
        var history = await s.Store.GetHistoryAsync(s.Tenant, v1.Id);
        Assert.Equal(2, history.Count);
        StoreScenario.AssertSameMemory(v1, history[0]);
        StoreScenario.AssertSameMemory(v2, history[1]);
        StoreScenario.AssertSameMemory(other, (await s.Store.GetAsync(s.Tenant, other.Id))!);

        var sameName = cube with { Id = MemoryId.NewId().ToString() };
        await Assert.ThrowsAsync<CubeAlreadyExistsException>(() => s.Store.RestoreCubeAsync(sameName, [[s.Item(sameName, "x")]], s.Audit("import")));
        var second = cube with { Id = MemoryId.NewId().ToString(), Name = "second" };
        var fresh = s.Item(second, "a fresh memory");
        await Assert.ThrowsAsync<MemoryStateException>(() => s.Store.RestoreCubeAsync(second, [[fresh], [other with { CubeId = second.Id }]], s.Audit("import")));
        Assert.Null(await s.Store.FindCubeAsync(s.Tenant, "second"));
        Assert.Null(await s.Store.GetAsync(s.Tenant, fresh.Id));
    }
}
