using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// A facade write that loses the race for a memory to another writer (another node, another request) between its read and
/// its write, alike on every store: without an expected version it is made again on the memory as the winner left it. An
/// add whose cube goes meanwhile is refused naming the cube as the caller did.
/// </summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task An_update_without_an_expected_version_that_loses_a_race_is_made_again_on_the_winners_version()
    {
        // It failed with 409 "expected version 1", a version the caller never sent, though nothing stood in its way.
        await using var s = await StartAsync();
        var (other, id) = await RacedMemoryAsync(s);
        var racing = new MemoryOS(WriteFirst(s.Store, () => other.UpdateAsync(s.Alice, id, new MemoryChange { Tags = ["boats"] })), new Bm25Retriever(s.Store));

        var updated = await racing.UpdateAsync(s.Alice, id, new MemoryChange { Text = "Ann paddles a sea kayak" });

        Assert.Equal((3, "Ann paddles a sea kayak"), (updated.Version, updated.Text));
        Assert.Equal(["boats"], updated.Tags);
        var stored = await other.GetAsync(s.Alice, id);
        Assert.Equal((3, "Ann paddles a sea kayak"), (stored.Version, stored.Text));
        Assert.Equal(["boats"], stored.Tags);
        Assert.Equal([1, 2, 3], (await other.GetHistoryAsync(s.Alice, id)).Select(v => v.Version));
    }

    [SkippableFact]
    public async Task An_archive_or_soft_delete_that_loses_a_race_to_the_same_change_returns_the_memory_unchanged()
    {
        // Two archives of one memory (a retry landing on another node) answered 200 and 409, though both asked for what is.
        await using var s = await StartAsync();
        var (other, archivedId) = await RacedMemoryAsync(s);
        var archiving = new MemoryOS(WriteFirst(s.Store, () => other.SetStateAsync(s.Alice, archivedId, LifecycleState.Archived, "the other node")), new Bm25Retriever(s.Store));
        var archived = await archiving.SetStateAsync(s.Alice, archivedId, LifecycleState.Archived, "this node");
        Assert.Equal((2, LifecycleState.Archived, "the other node"), (archived.Version, archived.State, archived.StateReason));

        var deletedId = (await other.AddAsync(s.Alice, "notes", new MemoryDraft("Ann sold her canoe"))).Id;
        var deleting = new MemoryOS(WriteFirst(s.Store, () => other.DeleteAsync(s.Alice, deletedId, "the other node")), new Bm25Retriever(s.Store));
        var deleted = await deleting.DeleteAsync(s.Alice, deletedId, "this node");
        Assert.Equal((2, LifecycleState.Deleted, "the other node"), (deleted.Version, deleted.State, deleted.StateReason));
        Assert.Equal([1, 2], (await other.GetHistoryAsync(s.Alice, deletedId)).Select(v => v.Version));
    }

    [SkippableFact]
    public async Task A_write_with_an_expected_version_that_loses_a_race_is_refused_naming_the_version_the_caller_sent()
    {
        await using var s = await StartAsync();
        var (other, id) = await RacedMemoryAsync(s);
        var racing = new MemoryOS(WriteFirst(s.Store, () => other.UpdateAsync(s.Alice, id, new MemoryChange { Text = "the other writer's text" })), new Bm25Retriever(s.Store));

        var refused = await Assert.ThrowsAsync<MemoryStateException>(() => racing.UpdateAsync(s.Alice, id, new MemoryChange { Text = "Ann paddles a sea kayak", ExpectedVersion = 1 }));

        Assert.Contains("not 1 as the update expected", refused.Message, StringComparison.Ordinal);
        var stored = await other.GetAsync(s.Alice, id);
        Assert.Equal((2, "the other writer's text"), (stored.Version, stored.Text));
    }

    [SkippableFact]
    public async Task A_write_that_loses_every_race_gives_up_after_a_few_attempts_without_naming_a_version_the_caller_never_sent()
    {
        await using var s = await StartAsync();
        var (other, id) = await RacedMemoryAsync(s);
        int edits = 0;
        var racing = new MemoryOS(WriteFirst(s.Store, () => other.UpdateAsync(s.Alice, id, new MemoryChange { Text = $"the other writer's edit {++edits}" }), times: int.MaxValue), new Bm25Retriever(s.Store));

        var refused = await Assert.ThrowsAsync<MemoryVersionConflictException>(() => racing.SetStateAsync(s.Alice, id, LifecycleState.Archived));

        Assert.DoesNotContain("expected", refused.Message, StringComparison.Ordinal);
        Assert.Contains(id.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.InRange(edits, 2, 10); // it tried again, a few times, each time after the other writer's edit
        var stored = await other.GetAsync(s.Alice, id);
        Assert.Equal((1 + edits, LifecycleState.Active), (stored.Version, stored.State));
    }

    [SkippableFact]
    public async Task An_add_to_a_cube_deleted_after_the_add_found_it_is_refused_naming_the_cube_as_the_caller_did()
    {
        // The store knows the cube by its id only: the caller of a name-based API was told of a cube it never named.
        await using var s = await StartAsync();
        var (other, _) = await RacedMemoryAsync(s);
        string cubeId = (await other.OpenCubeAsync(s.Alice, "notes")).Id;
        var racing = new MemoryOS(WriteFirst(s.Store, () => other.DeleteCubeAsync(s.Alice, "notes"), method: nameof(IMemoryStore.AddAsync)), new Bm25Retriever(s.Store));

        var gone = await Assert.ThrowsAsync<CubeNotFoundException>(() => racing.AddAsync(s.Alice, "notes", new MemoryDraft("Ann bought a paddle")));

        Assert.StartsWith($"No cube 'notes' in tenant '{s.Tenant}'", gone.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(cubeId, gone.Message, StringComparison.Ordinal);
    }

    // A facade over a second store of the same database (another node) and a memory of Alice's for the race. The facades
    // here are not disposed: each would dispose the store it was given, which the backend disposes.
    private static async Task<(MemoryOS Other, MemoryId Id)> RacedMemoryAsync(StoreScenario s)
    {
        var other = new MemoryOS(await s.Backend.OpenAsync(), new Bm25Retriever(s.Store));
        await other.CreateCubeAsync(s.Alice, "notes");
        return (other, (await other.AddAsync(s.Alice, "notes", new MemoryDraft("Ann paddles a kayak"))).Id);
    }

    // The store as a facade's write meets it when another writer gets there between its read and its write: the first
    // <paramref name="times"/> calls of <paramref name="method"/> (a version write unless named) are each preceded by
    // <paramref name="write"/>.
    private static IMemoryStore WriteFirst(IMemoryStore inner, Func<Task> write, int times = 1, string method = nameof(IMemoryStore.ReplaceManyAsync))
    {
        int raced = 0;
        return InterceptedStore.Over(inner, (called, _) =>
        {
            if (called == method && raced < times)
            {
                raced++;
                write().GetAwaiter().GetResult();
            }

            return null;
        });
    }
}
