using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary>The embedding queue's durable record: memories with no stored vector for an embedder, counted by the store.</summary>
public sealed class EmbeddingCountTests
{
    private static readonly LifecycleState[] Indexed = [LifecycleState.Active, LifecycleState.Archived, LifecycleState.Frozen, LifecycleState.Deleted];

    [Fact]
    public async Task Memories_without_a_vector_are_counted_per_cube_embedder_state_and_tenant()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        var store = db.OpenStore();
        var alice = TestDatabase.Alice;
        var a = await memory.CreateCubeAsync(alice, "a");
        var b = await memory.CreateCubeAsync(alice, "b");
        var inA = (await memory.AddBatchAsync(alice, "a", Enumerable.Range(0, 6).Select(i => new MemoryDraft($"note {i} in a")).ToList())).Select(o => o.Id).ToList();
        var inB = (await memory.AddBatchAsync(alice, "b", Enumerable.Range(0, 4).Select(i => new MemoryDraft($"note {i} in b")).ToList())).Select(o => o.Id).ToList();
        await memory.CreateCubeAsync(new Scope("globex"), "a");
        await memory.AddAsync(new Scope("globex"), "a", new MemoryDraft("another tenant's note"));

        Assert.Equal(10, await store.CountWithoutEmbeddingAsync(alice.Tenant, null, "m1", Indexed));
        await store.PutEmbeddingsAsync(alice.Tenant, a.Id, "m1", inA.Take(4).Select(id => new StoredEmbedding(id, "h", [1f, 0f])).ToList());
        await store.PutEmbeddingsAsync(alice.Tenant, b.Id, "m2", inB.Select(id => new StoredEmbedding(id, "h", [1f, 0f])).ToList());

        Assert.Equal(2, await store.CountWithoutEmbeddingAsync(alice.Tenant, a.Id, "m1", Indexed));
        Assert.Equal(6, await store.CountWithoutEmbeddingAsync(alice.Tenant, null, "m1", Indexed)); // b's vectors are another model's
        Assert.Equal(6, await store.CountWithoutEmbeddingAsync(alice.Tenant, null, "m2", Indexed));
        Assert.Equal(1, await store.CountWithoutEmbeddingAsync("globex", null, "m1", Indexed));

        // A superseded version is not searchable, so it waits for nothing; an empty state set counts nothing.
        await memory.UpdateAsync(alice, inA[5], new MemoryChange { Text = "note 5 in a, corrected" });
        Assert.Equal(0, await store.CountWithoutEmbeddingAsync(alice.Tenant, a.Id, "m1", [LifecycleState.Superseded]));
        Assert.Equal(2, await store.CountWithoutEmbeddingAsync(alice.Tenant, a.Id, "m1", Indexed));
        Assert.Equal(0, await store.CountWithoutEmbeddingAsync(alice.Tenant, a.Id, "m1", []));
    }
}
