using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.State;
using AgentMem.Stores.Tests;

namespace AgentMem.Retrieval.Tests.State;

/// <summary>A search that fails before the cube's index applied anything keeps the index for the next caller.</summary>
public sealed class CancelledSearchTests : TempStore
{
    private static readonly Scope Me = new("acme", "alice");

    [Fact]
    public async Task A_search_cancelled_while_reading_the_change_sequence_keeps_the_cubes_index()
    {
        bool cancelNext = false;
        var store = InterceptedStore.Over(Store, (method, _) =>
        {
            if (method == nameof(IMemoryStore.GetChangeSequenceAsync) && cancelNext)
            {
                cancelNext = false;
                return Task.FromException<long>(new OperationCanceledException("the request went away"));
            }

            return null;
        });
        using var state = new RetrievalState(store, new HashingEmbedder(), new RetrievalStateOptions());
        await using var os = new MemoryOS(Store, new HybridRetriever(state));
        await os.CreateCubeAsync(Me, "chat");
        await os.AddBatchAsync(Me, "chat", [.. Enumerable.Range(0, 20).Select(i => new MemoryDraft($"note {i} about pottery and tea"))]);
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "pottery"));
        string cube = (await os.OpenCubeAsync(Me, "chat")).Id;
        long? applied = state.AppliedSequence(Me.Tenant, cube);
        Assert.NotNull(applied);

        cancelNext = true;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => os.SearchAsync(Me, "chat", "pottery"));

        // Still cached at the same sequence: the next search does not rebuild the cube from the store.
        Assert.Equal(1, state.CachedCubes);
        Assert.Equal(applied, state.AppliedSequence(Me.Tenant, cube));
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "pottery"));
    }
}
