using AgentMem.Retrieval.State;

namespace AgentMem.Retrieval.Tests.State;

/// <summary>The SPANN tier applies updates on a pool thread; every reader must still see them all, in order.</summary>
public sealed class VectorColumnTests : IDisposable
{
    private const int Dim = 16;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-vc-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Queued_inserts_updates_and_deletes_are_all_seen_by_the_next_search_and_checkpoint()
    {
        var random = new Random(5);
        using var column = new VectorColumn(annThreshold: 300, annFolder: Path.Combine(folder, "spann"));
        var vectors = new Dictionary<int, float[]>();
        for (int slot = 0; slot < 400; slot++)
        {
            vectors[slot] = Vector(random);
            column.Set(slot, 1_000 + slot, vectors[slot]);
        }

        column.Advance();
        await column.WaitForBuildAsync();
        column.Advance();
        Assert.True(column.UsesAnn);

        // A burst of writes with no read in between: new vectors, re-embeddings of the same key, deletes.
        for (int step = 0; step < 300; step++)
        {
            int slot = random.Next(500);
            if (vectors.ContainsKey(slot) && random.Next(3) == 0)
            {
                column.Remove(slot);
                vectors.Remove(slot);
            }
            else
            {
                vectors[slot] = Vector(random);
                column.Set(slot, 1_000 + slot, vectors[slot]);
            }
        }

        // Every live vector is its own nearest neighbour, with its current value; no removed one comes back.
        foreach (var (slot, vector) in vectors.Where(p => p.Key % 7 == 0))
        {
            var top = column.SearchAnn(VectorColumn.PrepareQuery(vector), 5);
            Assert.Equal(slot, top[0].Slot);
            Assert.Equal(1f, top[0].Similarity, 3);
            Assert.All(top, hit => Assert.True(vectors.ContainsKey(hit.Slot)));
        }

        column.Checkpoint();
        Assert.Equal(vectors.Keys.Select(s => 1_000L + s).Order(), column.IndexedKeys().Order());
    }

    private static float[] Vector(Random random) => Enumerable.Range(0, Dim).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
}
