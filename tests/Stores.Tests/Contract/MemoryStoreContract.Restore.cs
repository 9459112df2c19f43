using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Export;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

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

    [SkippableFact]
    public async Task Restore_writes_the_archive_embeddings_in_its_transaction_and_none_when_refused()
    {
        await using var s = await StartAsync();
        var cube = new MemCube { Id = MemoryId.NewId().ToString(), Owner = s.Alice, Name = "restored", CreatedAt = s.Now, UpdatedAt = s.Now };
        var a = s.Item(cube, "Alice lives in Munich");
        var b = s.Item(cube, "Bob likes tea");
        var vectors = new ArchivedEmbeddings("m1", 2, new Dictionary<MemoryId, StoredEmbedding> { [a.Id] = new(a.Id, "ha", [1f, 0f]), [b.Id] = new(b.Id, "hb", [0f, 1f]) });
        await s.Store.RestoreCubeAsync(cube, [[a], [b]], s.Audit("import"), vectors);

        var stored = (await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", null)).ToDictionary(e => e.MemoryId);
        Assert.Equal(2, stored.Count);
        Assert.Equal("ha", stored[a.Id].TextHash);
        Assert.Equal([0f, 1f], stored[b.Id].Vector);

        // Refused as a whole: the clash comes after nothing, and nothing of the second restore is there.
        var second = cube with { Id = MemoryId.NewId().ToString(), Name = "second" };
        var fresh = s.Item(second, "a fresh memory");
        var clash = new ArchivedEmbeddings("m2", 2, new Dictionary<MemoryId, StoredEmbedding> { [fresh.Id] = new(fresh.Id, "hf", [1f, 1f]) });
        await Assert.ThrowsAsync<MemoryStateException>(() => s.Store.RestoreCubeAsync(second, [[fresh], [a with { CubeId = second.Id }]], s.Audit("import"), clash));
        Assert.Empty(await s.Store.GetEmbeddingsAsync(s.Tenant, second.Id, "m2", null));

        // An embedding of no memory in the archive is refused before anything is written.
        var third = cube with { Id = MemoryId.NewId().ToString(), Name = "third" };
        var lone = s.Item(third, "a lone memory");
        var stray = new ArchivedEmbeddings("m1", 2, new Dictionary<MemoryId, StoredEmbedding> { [a.Id] = new(a.Id, "ha", [1f, 0f]) });
        await Assert.ThrowsAsync<ArgumentException>(() => s.Store.RestoreCubeAsync(third, [[lone]], s.Audit("import"), stray));
        Assert.Null(await s.Store.FindCubeAsync(s.Tenant, "third"));
    }

    [SkippableFact]
    public async Task Restore_tells_its_progress_after_each_memory_it_writes()
    {
        // A restore of 200,000 memories ran for minutes with nothing to show how far it was.
        await using var s = await StartAsync();
        var cube = new MemCube { Id = MemoryId.NewId().ToString(), Owner = s.Alice, Name = "restored", CreatedAt = s.Now, UpdatedAt = s.Now };
        IReadOnlyList<IReadOnlyList<MemoryItem>> histories = [.. Enumerable.Range(0, 3).Select(i => (IReadOnlyList<MemoryItem>)[s.Item(cube, $"memory {i}")])];
        var reports = new List<(int Done, int Total)>();

        await s.Store.RestoreCubeAsync(cube, histories, s.Audit("import"), progress: new SynchronousProgress<(int Done, int Total)>(reports.Add));

        Assert.Equal([(1, 3), (2, 3), (3, 3)], reports);
    }
}
