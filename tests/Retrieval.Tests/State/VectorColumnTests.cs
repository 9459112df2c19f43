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

    [Fact]
    public async Task A_private_index_folder_left_by_a_killed_process_is_swept_when_the_next_one_is_made()
    {
        // Left by a killed process: index files and a lock file nobody holds (the lock died with its holder).
        string abandoned = TemporaryFolder("postings.1.spp");
        File.WriteAllBytes(Path.Combine(abandoned, "owner.lock"), []);

        // Alive: its lock is held. Being made: nothing but its lock file yet, which its maker is about to take.
        string alive = TemporaryFolder("postings.1.spp");
        string beingMade = TemporaryFolder();
        File.WriteAllBytes(Path.Combine(beingMade, "owner.lock"), []);
        try
        {
            using var held = new FileStream(Path.Combine(alive, "owner.lock"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
            var random = new Random(3);
            string own;
            using (var column = new VectorColumn(annThreshold: 20))
            {
                for (int slot = 0; slot < 40; slot++)
                {
                    column.Set(slot, slot, Vector(random));
                }

                column.Advance();
                await column.WaitForBuildAsync();
                column.Advance();
                Assert.True(column.UsesAnn);
                Assert.False(column.OwnsFolder);
                own = column.AnnFolder;

                Assert.False(Directory.Exists(abandoned));
                Assert.True(File.Exists(Path.Combine(alive, "postings.1.spp")));
                Assert.True(Directory.Exists(beingMade));

                // Its own folder carries the lock while it lives, so that no other process sweeps it.
                Assert.Throws<IOException>(() => new FileStream(Path.Combine(own, "owner.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None));
            }

            Assert.False(Directory.Exists(own));
        }
        finally
        {
            Directory.Delete(alive, recursive: true);
            Directory.Delete(beingMade, recursive: true);
        }
    }

    /// <summary>A folder named as a column's private index folder, holding <paramref name="files"/> (empty).</summary>
    private static string TemporaryFolder(params string[] files)
    {
        string path = Path.Combine(Path.GetTempPath(), "agentmem-ann-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        foreach (string file in files)
        {
            File.WriteAllBytes(Path.Combine(path, file), []);
        }

        return path;
    }

    private static float[] Vector(Random random) => Enumerable.Range(0, Dim).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
}
