using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Embeddings: per memory and embedder, replaced on put, read by id, dropped with their memory, counted when missing.</summary>
public abstract partial class MemoryStoreContract
{
    private static readonly LifecycleState[] IndexedStates = [LifecycleState.Active, LifecycleState.Archived, LifecycleState.Frozen, LifecycleState.Deleted];

    [SkippableFact]
    public async Task Embeddings_are_kept_per_memory_and_embedder_replaced_on_put_and_read_by_id()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var other = await s.CreateCubeAsync("other");
        var a = await s.AddAsync(cube, "a");
        var b = await s.AddAsync(cube, "b");
        var c = await s.AddAsync(cube, "c");
        var elsewhere = await s.AddAsync(other, "d");
        var sparse = new float[1024];
        (sparse[3], sparse[500], sparse[1023]) = (0.25f, -1.5f, 3f);

        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m1", [new StoredEmbedding(a.Id, "ha", [1f, 0f, 0.5f]), new StoredEmbedding(b.Id, "hb", sparse)]);

        var all = (await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", null)).ToDictionary(e => e.MemoryId);
        Assert.Equal([a.Id, b.Id], all.Keys.Order());
        AssertEmbedding("ha", [1f, 0f, 0.5f], all[a.Id]);
        AssertEmbedding("hb", sparse, all[b.Id]);
        Assert.Equal([a.Id], (await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", [a.Id, c.Id, MemoryId.NewId()])).Select(e => e.MemoryId));
        Assert.Empty(await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", []));

        // An id asked for twice comes back once, even when the copies fall in different chunks of a long list.
        MemoryId[] repeated = [a.Id, .. Enumerable.Range(0, 600).Select(_ => MemoryId.NewId()), a.Id];
        Assert.Equal([a.Id], (await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", repeated)).Select(e => e.MemoryId));

        // A put replaces; another embedder's vectors are separate; the other cube has none.
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m1", [new StoredEmbedding(a.Id, "ha2", [0f, 0f, 1f])]);
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m2", [new StoredEmbedding(c.Id, "hc", [7f])]);
        var replaced = Assert.Single(await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", [a.Id]));
        AssertEmbedding("ha2", [0f, 0f, 1f], replaced);
        Assert.Equal(2, (await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", null)).Count);
        Assert.Equal([c.Id], (await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m2", null)).Select(e => e.MemoryId));
        Assert.Empty(await s.Store.GetEmbeddingsAsync(s.Tenant, other.Id, "m1", null));

        // A vector for a memory the cube does not hold (another cube's, or none at all) is dropped.
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m1", [new StoredEmbedding(elsewhere.Id, "hd", [1f]), new StoredEmbedding(MemoryId.NewId(), "hx", [1f])]);
        Assert.Empty(await s.Store.GetEmbeddingsAsync(s.Tenant, other.Id, "m1", null));
        Assert.Equal(2, (await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", null)).Count);

        // Neither the vector put nor a vector read back is the store's own.
        float[] mine = [5f, 6f];
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m3", [new StoredEmbedding(a.Id, "h", mine)]);
        mine[0] = -1f;
        Assert.Single(await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m3", null)).Vector[1] = -1f;
        Assert.Equal(new[] { 5f, 6f }, Assert.Single(await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m3", null)).Vector);
    }

    [SkippableFact]
    public async Task An_empty_vector_is_refused_and_the_cubes_embeddings_still_read_back()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var a = await s.AddAsync(cube, "a");
        var b = await s.AddAsync(cube, "b");
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m1", [new StoredEmbedding(a.Id, "ha", [1f, 2f])]);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m1", [new StoredEmbedding(b.Id, "hb", [])]));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m1", [new StoredEmbedding(b.Id, "hb", [3f, 4f]), new StoredEmbedding(a.Id, "ha", [])]));

        // Nothing of a refused batch was stored, and what was there reads back (an empty vector stored made every read of the cube fail).
        AssertEmbedding("ha", [1f, 2f], Assert.Single(await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", null)));
    }

    [SkippableFact]
    public async Task A_vector_with_a_non_finite_value_is_refused_and_nothing_of_the_batch_is_stored()
    {
        // Stored, a NaN or infinite component matched its text hash (never recomputed) and scored the memory 0 in every search.
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var a = await s.AddAsync(cube, "a");
        var b = await s.AddAsync(cube, "b");
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m1", [new StoredEmbedding(a.Id, "ha", [1f, 2f])]);

        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var refused = await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "m1", [new StoredEmbedding(b.Id, "hb", [3f, 4f]), new StoredEmbedding(a.Id, "ha2", [1f, bad])]));
            Assert.Contains(a.Id.ToString(), refused.Message, StringComparison.Ordinal);
            Assert.Contains("non-finite", refused.Message, StringComparison.Ordinal);
        }

        AssertEmbedding("ha", [1f, 2f], Assert.Single(await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "m1", null)));
    }

    [SkippableFact]
    public async Task Memories_without_a_vector_are_counted_per_cube_embedder_state_and_tenant()
    {
        await using var s = await StartAsync();
        var a = await s.CreateCubeAsync("a");
        var b = await s.CreateCubeAsync("b");
        var inA = new List<MemoryItem>();
        for (int i = 0; i < 6; i++)
        {
            inA.Add(await s.AddAsync(a, $"note {i} in a"));
        }

        var inB = new List<MemoryItem>();
        for (int i = 0; i < 4; i++)
        {
            inB.Add(await s.AddAsync(b, $"note {i} in b"));
        }

        string globex = StoreScenario.NewTenant();
        var theirs = await s.CreateCubeAsync("a", tenant: globex);
        await s.AddAsync([s.Item(theirs, "another tenant's note")]);

        Assert.Equal(10, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, null, "m1", IndexedStates));
        await s.Store.PutEmbeddingsAsync(s.Tenant, a.Id, "m1", inA.Take(4).Select(m => new StoredEmbedding(m.Id, "h", [1f, 0f])).ToList());
        await s.Store.PutEmbeddingsAsync(s.Tenant, b.Id, "m2", inB.Select(m => new StoredEmbedding(m.Id, "h", [1f, 0f])).ToList());

        Assert.Equal(2, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, a.Id, "m1", IndexedStates));
        Assert.Equal(6, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, null, "m1", IndexedStates)); // b's vectors are another model's
        Assert.Equal(6, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, null, "m2", IndexedStates));
        Assert.Equal(1, await s.Store.CountWithoutEmbeddingAsync(globex, null, "m1", IndexedStates));

        // A superseded version is not searchable, so it waits for nothing; an empty state set counts nothing.
        await s.ReplaceAsync(inA[5], m => m with { Text = "note 5 in a, corrected" });
        Assert.Equal(0, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, a.Id, "m1", [LifecycleState.Superseded]));
        Assert.Equal(2, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, a.Id, "m1", IndexedStates));

        // A memory whose current version is superseded (an invalidated fact) is counted only when its state is asked for.
        await s.SetStateAsync(inA[4], LifecycleState.Superseded, "invalidated");
        Assert.Equal(1, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, a.Id, "m1", IndexedStates));
        Assert.Equal(1, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, a.Id, "m1", [LifecycleState.Superseded]));
        Assert.Equal(0, await s.Store.CountWithoutEmbeddingAsync(s.Tenant, a.Id, "m1", []));
    }

    private static void AssertEmbedding(string textHash, float[] vector, StoredEmbedding actual)
    {
        Assert.Equal(textHash, actual.TextHash);
        Assert.Equal(vector, actual.Vector);
    }
}
