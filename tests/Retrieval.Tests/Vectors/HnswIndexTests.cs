using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Vectors;

public sealed class HnswIndexTests
{
    private const int Dim = 32;

    [Theory]
    [InlineData(VectorMetric.L2)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.InnerProduct)]
    public void Recall_at_10_against_brute_force_is_at_least_0_95_at_ef_64(VectorMetric metric)
    {
        bool unit = metric == VectorMetric.InnerProduct; // inner product is for normalised vectors
        var (data, queries) = TestVectors.DataAndQueries(5000, 100, Dim, seed: 1, normalise: unit);
        var (hnsw, exact) = TestVectors.Build(data, metric, new HnswOptions { M = 16, EfConstruction = 100, EfSearch = 64, Seed = 7 });
        using (hnsw)
        using (exact)
        {
            double recall = TestVectors.MeanRecall(hnsw, exact, queries, 10);
            Assert.True(recall >= 0.95, $"{metric}: recall@10 {recall:F3}");

            // Distances are the metric's, as the exact index reports them.
            var q = queries[0];
            var a = hnsw.Search(q, 1)[0];
            var b = exact.Search(q, 1)[0];
            if (a.Key == b.Key)
            {
                Assert.Equal(b.Distance, a.Distance, 1e-3f);
            }
        }
    }

    [Theory]
    [InlineData(VectorMetric.L2)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.InnerProduct)]
    public void An_exhaustive_scan_of_the_graph_rows_answers_as_the_exact_index_also_after_removals(VectorMetric metric)
    {
        var (data, queries) = TestVectors.DataAndQueries(1500, 30, Dim, seed: 3, normalise: metric == VectorMetric.InnerProduct);
        var (hnsw, exact) = TestVectors.Build(data, metric, new HnswOptions { M = 8, EfConstruction = 40, Seed = 2 });
        using (hnsw)
        using (exact)
        {
            for (int key = 0; key < data.Length; key += 5)
            {
                hnsw.Remove(key);
                exact.Remove(key);
            }

            hnsw.Add(100_000, data[0]); // a removed slot is reused
            exact.Add(100_000, data[0]);
            foreach (var q in queries)
            {
                var want = exact.Search(q, 10);
                var got = hnsw.SearchExhaustive(q, 10);
                Assert.Equal(want.Select(m => m.Key), got.Select(m => m.Key));
                for (int i = 0; i < want.Count; i++)
                {
                    Assert.Equal(want[i].Distance, got[i].Distance, 1e-5f); // cosine: the graph keeps rows normalised
                }
            }
        }
    }

    [Fact]
    public void A_search_for_more_than_the_index_holds_returns_them_all()
    {
        // k (and the beam raised to it) sized the result heap: int.MaxValue was an OutOfMemoryException.
        var (data, queries) = TestVectors.DataAndQueries(300, 1, Dim, seed: 6);
        var (hnsw, exact) = TestVectors.Build(data, VectorMetric.L2, new HnswOptions { M = 8, EfConstruction = 40, Seed = 2 });
        using (hnsw)
        using (exact)
        {
            Assert.Equal(exact.Search(queries[0], 300).Select(m => m.Key), hnsw.Search(queries[0], int.MaxValue).Select(m => m.Key));
            Assert.Equal(hnsw.Search(queries[0], 10, ef: 300).Select(m => m.Key), hnsw.Search(queries[0], 10, ef: int.MaxValue).Select(m => m.Key));
            Assert.Equal(300, hnsw.SearchExhaustive(queries[0], int.MaxValue).Count);
            Assert.Equal(150, hnsw.Search(queries[0], int.MaxValue, key => key % 2 == 0).Count);
        }
    }

    [Fact]
    public void Search_settings_pass_through_the_interface_and_an_index_without_them_ignores_them()
    {
        var data = TestVectors.Clustered(2000, Dim, seed: 77);
        var queries = TestVectors.Clustered(50, Dim, seed: 78);
        using var graph = new HnswIndex(Dim, VectorMetric.L2, new HnswOptions { M = 4, EfConstruction = 16, EfSearch = 10 });
        using var exact = new ExactVectorIndex(Dim, VectorMetric.L2, data.Length);
        for (int i = 0; i < data.Length; i++)
        {
            graph.Add(i, data[i]);
            exact.Add(i, data[i]);
        }

        IVectorIndex viaInterface = graph;
        double Recall(int? beam)
        {
            int hits = 0;
            foreach (var q in queries)
            {
                var truth = exact.Search(q, 10).Select(m => m.Key).ToHashSet();
                hits += viaInterface.Search(q, 10, new VectorSearchOptions { BeamWidth = beam }).Count(m => truth.Contains(m.Key));
            }

            return hits / (10.0 * queries.Length);
        }

        // The same beam through the interface as through the concrete overload, and a wider beam finds more.
        Assert.Equal(graph.Search(queries[0], 10, 200).Select(m => m.Key), viaInterface.Search(queries[0], 10, new VectorSearchOptions { BeamWidth = 200 }).Select(m => m.Key));
        Assert.True(Recall(200) > Recall(null), $"beam 200 {Recall(200)} vs default {Recall(null)}");

        IVectorIndex flat = exact;
        Assert.Equal(exact.Search(queries[1], 10).Select(m => m.Key), flat.Search(queries[1], 10, new VectorSearchOptions { BeamWidth = 1 }).Select(m => m.Key));
    }

    [Fact]
    public void Very_selective_filter_returns_exactly_the_k_nearest_matching_vectors()
    {
        var (data, queries) = TestVectors.DataAndQueries(3000, 30, Dim, seed: 2);
        var (hnsw, exact) = TestVectors.Build(data, VectorMetric.L2, new HnswOptions { EfConstruction = 64 });
        using (hnsw)
        using (exact)
        {
            static bool OnePercent(long key) => key % 100 == 37; // 30 of 3,000 keys
            foreach (var q in queries)
            {
                var expected = exact.Search(q, 10, OnePercent);
                var actual = hnsw.Search(q, 10, OnePercent);
                Assert.Equal(10, actual.Count);
                Assert.All(actual, m => Assert.True(OnePercent(m.Key)));
                Assert.Equal(expected.Select(m => m.Key), actual.Select(m => m.Key));
            }

            // Fewer matching keys than k: all of them, none invented.
            var few = hnsw.Search(queries[0], 10, key => key is 5 or 1234 or 2999);
            Assert.Equal([5L, 1234L, 2999L], few.Select(m => m.Key).Order());
        }
    }

    [Fact]
    public void Half_selective_filter_keeps_recall_and_only_returns_matching_keys()
    {
        var (data, queries) = TestVectors.DataAndQueries(3000, 50, Dim, seed: 3);
        var (hnsw, exact) = TestVectors.Build(data, VectorMetric.L2, new HnswOptions { EfConstruction = 64 });
        using (hnsw)
        using (exact)
        {
            static bool Even(long key) => key % 2 == 0;
            foreach (var q in queries)
            {
                var actual = hnsw.Search(q, 10, Even);
                Assert.Equal(10, actual.Count);
                Assert.All(actual, m => Assert.True(Even(m.Key)));
            }

            Assert.True(TestVectors.MeanRecall(hnsw, exact, queries, 10, Even) >= 0.95);
        }
    }

    [Fact]
    public void Deleted_keys_are_never_returned_and_recall_stays_above_0_9_after_deleting_20_percent()
    {
        var (data, queries) = TestVectors.DataAndQueries(3000, 100, Dim, seed: 4);
        var (hnsw, exact) = TestVectors.Build(data, VectorMetric.L2, new HnswOptions { EfConstruction = 100 });
        using (hnsw)
        using (exact)
        {
            var removed = new HashSet<long>();
            var random = new Random(44);
            while (removed.Count < 600)
            {
                long key = random.Next(data.Length);
                if (removed.Add(key))
                {
                    Assert.True(hnsw.Remove(key));
                    Assert.True(exact.Remove(key));
                }
            }

            Assert.False(hnsw.Remove(removed.First()));
            Assert.Equal(2400, hnsw.Count);
            foreach (var q in queries)
            {
                Assert.DoesNotContain(hnsw.Search(q, 10), m => removed.Contains(m.Key));
            }

            double recall = TestVectors.MeanRecall(hnsw, exact, queries, 10);
            Assert.True(recall >= 0.9, $"recall after deletes {recall:F3}");

            // New keys reuse the freed slots and are found.
            var fresh = TestVectors.Clustered(300, Dim, seed: 44044);
            for (int i = 0; i < fresh.Length; i++)
            {
                hnsw.Add(100_000 + i, fresh[i]);
                exact.Add(100_000 + i, fresh[i]);
            }

            Assert.Equal(2700, hnsw.Count);
            Assert.Equal(100_000 + 17, hnsw.Search(fresh[17], 1)[0].Key);
            Assert.True(TestVectors.MeanRecall(hnsw, exact, queries, 10) >= 0.9);
        }
    }

    [Fact]
    public void Re_adding_a_key_replaces_its_vector()
    {
        var data = TestVectors.Clustered(1000, Dim, seed: 5);
        var (hnsw, _) = TestVectors.Build(data, VectorMetric.L2);
        using (hnsw)
        {
            var moved = TestVectors.Clustered(1, Dim, seed: 555)[0];
            for (int d = 0; d < Dim; d++)
            {
                moved[d] += 50; // far away from everything
            }

            hnsw.Add(42, moved);
            Assert.Equal(1000, hnsw.Count);
            var hit = hnsw.Search(moved, 1)[0];
            Assert.Equal(42, hit.Key);
            Assert.Equal(0f, hit.Distance, 1e-3f);
            Assert.DoesNotContain(hnsw.Search(data[42], 5), m => m.Key == 42);
            Assert.Equal(43, hnsw.Search(data[43], 1)[0].Key);
        }
    }

    [Fact]
    public void Deleting_everything_then_adding_again_works()
    {
        using var hnsw = new HnswIndex(4, VectorMetric.L2);
        for (int i = 0; i < 50; i++)
        {
            hnsw.Add(i, [i, 0, 0, 0]);
        }

        for (int i = 0; i < 50; i++)
        {
            Assert.True(hnsw.Remove(i));
        }

        Assert.Equal(0, hnsw.Count);
        Assert.Empty(hnsw.Search([1, 0, 0, 0], 3));
        hnsw.Add(7, [7, 0, 0, 0]);
        hnsw.Add(8, [8, 0, 0, 0]);
        Assert.Equal([8L, 7L], hnsw.Search([9, 0, 0, 0], 5).Select(m => m.Key));
    }

    [Fact]
    public void Bad_vectors_are_refused_with_VectorFormatException()
    {
        using var hnsw = new HnswIndex(3, VectorMetric.Cosine);
        Assert.Throws<VectorFormatException>(() => hnsw.Add(1, [1, 2]));
        Assert.Throws<VectorFormatException>(() => hnsw.Add(1, [1, float.NaN, 2]));
        Assert.Throws<VectorFormatException>(() => hnsw.Add(1, [1, float.PositiveInfinity, 2]));
        Assert.Throws<VectorFormatException>(() => hnsw.Search([1, 2, 3, 4], 1));
        Assert.Throws<VectorFormatException>(() => hnsw.Search([float.NegativeInfinity, 2, 3], 1));
        Assert.Equal(0, hnsw.Count);
        Assert.Empty(hnsw.Search([1, 2, 3], 4));
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(8, VectorMetric.L2, new HnswOptions { M = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(8, VectorMetric.L2, new HnswOptions { EfConstruction = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(8, VectorMetric.L2, new HnswOptions { EfSearch = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(8, VectorMetric.L2, new HnswOptions { MaxElements = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(0, VectorMetric.L2));
    }

    [Theory]
    [InlineData(4096, 1_048_577)] // 2^32 + 4096 floats: wrapped to one row
    [InlineData(1536, 3_000_000)] // wrapped to about 203,797 rows
    [InlineData(4096, 600_000)] // wrapped to a negative length
    public void A_capacity_whose_vectors_cannot_fit_one_array_is_refused_as_out_of_range(int dimension, int maxElements)
    {
        // Before, the rows times dimension product wrapped: storage for a few rows, and a second Add left a half-added node
        // that searches read past the end of the vector array.
        var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(dimension, VectorMetric.L2, new HnswOptions { M = 2, MaxElements = maxElements }));
        Assert.Equal("options", thrown.ParamName);
    }

    [Fact]
    public void Keep_pruned_connections_builds_a_working_graph()
    {
        var (data, queries) = TestVectors.DataAndQueries(1500, 30, Dim, seed: 6);
        var (hnsw, exact) = TestVectors.Build(data, VectorMetric.L2, new HnswOptions { EfConstruction = 64, KeepPrunedConnections = true, MaxElements = 16 });
        using (hnsw)
        using (exact)
        {
            Assert.True(TestVectors.MeanRecall(hnsw, exact, queries, 10) >= 0.95);
            Assert.True(hnsw.MemoryBytes > 1500L * Dim * sizeof(float));
        }
    }

    [Fact]
    public void Searches_on_several_threads_while_another_thread_adds()
    {
        var data = TestVectors.Clustered(3000, Dim, seed: 8);
        using var hnsw = new HnswIndex(Dim, VectorMetric.L2, new HnswOptions { EfConstruction = 48 });
        for (int i = 0; i < 1000; i++)
        {
            hnsw.Add(i, data[i]);
        }

        using var stop = new CancellationTokenSource();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        int searches = 0;
        var readers = new Thread[3];
        for (int t = 0; t < readers.Length; t++)
        {
            int seed = t;
            readers[t] = new Thread(() =>
            {
                var random = new Random(seed);
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        int i = random.Next(1000);
                        var result = hnsw.Search(data[i], 5);
                        if (result.Count != 5 || result[0].Key != i)
                        {
                            throw new InvalidOperationException($"query {i} found {(result.Count > 0 ? result[0].Key : -1)}");
                        }

                        Interlocked.Increment(ref searches);
                    }
                }
                catch (Exception ex)
                {
                    errors.Enqueue(ex);
                }
            });
            readers[t].Start();
        }

        var writer = new Thread(() =>
        {
            try
            {
                for (int i = 1000; i < data.Length; i++)
                {
                    hnsw.Add(i, data[i]);
                    if (i % 10 == 0 && i >= 1010)
                    {
                        hnsw.Remove(i - 5);
                    }
                }
            }
            catch (Exception ex)
            {
                errors.Enqueue(ex);
            }
        });
        writer.Start();
        writer.Join();
        stop.Cancel();
        foreach (var r in readers)
        {
            r.Join();
        }

        Assert.Empty(errors);
        Assert.True(searches > 0);
        Assert.Equal(3000 - 199, hnsw.Count);
    }

    [Fact]
    public void Growing_from_one_slot_gives_the_same_graph_as_presizing()
    {
        // Growth reallocates the pinned vector and link storage (and re-aligns the rows); the graph and
        // every answer must be the same as in an index that never grew.
        var (data, queries) = TestVectors.DataAndQueries(2500, 20, Dim, seed: 11, normalise: true);
        using var grown = new HnswIndex(Dim, VectorMetric.InnerProduct, new HnswOptions { MaxElements = 1, Seed = 3 });
        using var presized = new HnswIndex(Dim, VectorMetric.InnerProduct, new HnswOptions { MaxElements = 2500, Seed = 3 });
        for (int i = 0; i < data.Length; i++)
        {
            grown.Add(i, data[i]);
            presized.Add(i, data[i]);
        }

        foreach (var q in queries)
        {
            var a = grown.Search(q, 10, 32);
            var b = presized.Search(q, 10, 32);
            Assert.Equal(b.Select(m => m.Key), a.Select(m => m.Key));
            Assert.Equal(b.Select(m => m.Distance), a.Select(m => m.Distance));
        }
    }

    [Fact]
    public void Dispose_during_searches_and_writes_throws_nothing_and_every_later_call_is_refused_as_disposed()
    {
        // Dispose disposed the reader-writer lock while calls waited on it: SynchronizationLockException ("being disposed
        // while still being used"), which no caller expects from a close.
        var (data, queries) = TestVectors.DataAndQueries(500, 3, Dim, seed: 13);
        for (int trial = 0; trial < 10; trial++)
        {
            var index = new HnswIndex(Dim, VectorMetric.L2, new HnswOptions { M = 8, EfConstruction = 32, Seed = trial });
            for (int i = 0; i < data.Length; i++)
            {
                index.Add(i, data[i]);
            }

            DisposeRace.AssertCleanDispose(index, data, queries);
        }
    }
}
