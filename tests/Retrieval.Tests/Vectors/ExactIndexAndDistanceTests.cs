using AgentMem.Retrieval.Spann;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Vectors;

public sealed class ExactIndexAndDistanceTests
{
    private static float[][] RandomVectors(int n, int dim, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, dim).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray()).ToArray();
    }

    [Theory]
    [InlineData(VectorMetric.L2)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.InnerProduct)]
    public void Simd_distances_match_the_scalar_reference(VectorMetric metric)
    {
        var v = RandomVectors(50, 37, 7);
        for (int i = 1; i < v.Length; i++)
        {
            float fast = VectorDistance.Compute(metric, v[0], v[i]);
            float slow = VectorDistance.ComputeScalar(metric, v[0], v[i]);
            Assert.True(Math.Abs(fast - slow) <= 1e-4f * Math.Max(1, Math.Abs(slow)), $"{metric}: {fast} vs {slow}");
        }
    }

    [Fact]
    public void A_zero_vector_is_orthogonal_under_cosine_not_a_nan_that_ranks_first()
    {
        float[] zero = [0, 0], east = [1, 0];
        Assert.Equal(VectorDistance.ComputeScalar(VectorMetric.Cosine, east, zero), VectorDistance.Compute(VectorMetric.Cosine, east, zero));
        Assert.Equal(1f, VectorDistance.Compute(VectorMetric.Cosine, zero, zero));

        using var index = new ExactVectorIndex(2, VectorMetric.Cosine);
        index.Add(1, zero);
        index.Add(2, east);
        var nearest = index.Search(east, 2);
        Assert.Equal([2L, 1L], nearest.Select(m => m.Key));
        Assert.Equal(1f, nearest[1].Distance);
    }

    [Theory]
    [InlineData(VectorMetric.L2)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.InnerProduct)]
    public void Search_returns_exactly_the_nearest_in_order(VectorMetric metric)
    {
        var data = RandomVectors(500, 16, 11);
        using var index = new ExactVectorIndex(16, metric, initialCapacity: 8);
        for (int i = 0; i < data.Length; i++)
        {
            index.Add(i, data[i]);
        }

        var query = RandomVectors(1, 16, 99)[0];
        var expected = Enumerable.Range(0, data.Length).OrderBy(i => VectorDistance.ComputeScalar(metric, query, data[i])).Take(10).ToList();
        var got = index.Search(query, 10);
        Assert.Equal(expected, got.Select(m => (int)m.Key));
        Assert.True(got.Zip(got.Skip(1)).All(p => p.First.Distance <= p.Second.Distance));
    }

    [Fact]
    public void A_search_for_more_than_the_index_holds_returns_them_all()
    {
        // k sized the heap: k + 1 overflowed to a negative capacity (ArgumentOutOfRangeException).
        var data = RandomVectors(50, 8, 5);
        using var index = new ExactVectorIndex(8, VectorMetric.L2);
        for (int i = 0; i < data.Length; i++)
        {
            index.Add(i, data[i]);
        }

        var all = index.Search(data[3], int.MaxValue);
        Assert.Equal(50, all.Count);
        Assert.Equal(3, all[0].Key);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), all.Select(m => m.Key).Order());
        Assert.Equal(25, index.Search(data[3], int.MaxValue, key => key % 2 == 0).Count);
    }

    [Fact]
    public void Filters_removals_and_replacements_are_honoured()
    {
        var data = RandomVectors(200, 8, 3);
        using var index = new ExactVectorIndex(8, VectorMetric.L2);
        for (int i = 0; i < data.Length; i++)
        {
            index.Add(i, data[i]);
        }

        var evens = index.Search(data[1], 5, key => key % 2 == 0);
        Assert.Equal(5, evens.Count);
        Assert.All(evens, m => Assert.Equal(0, m.Key % 2));

        Assert.True(index.Remove(1));
        Assert.False(index.Remove(1));
        Assert.Equal(199, index.Count);
        Assert.DoesNotContain(index.Search(data[1], 10), m => m.Key == 1);

        index.Add(2, data[1]);
        Assert.Equal(2, index.Search(data[1], 1)[0].Key);
        Assert.Equal(199, index.Count);
        Assert.Equal(3, index.Search(data[0], 3, key => key is 0 or 2 or 4).Count);
    }

    [Fact]
    public void Bad_vectors_are_refused_with_a_typed_error()
    {
        using var index = new ExactVectorIndex(4, VectorMetric.Cosine);
        Assert.Throws<VectorFormatException>(() => index.Add(1, new float[3]));
        Assert.Throws<VectorFormatException>(() => index.Add(1, [1, float.NaN, 0, 0]));
        Assert.Throws<VectorFormatException>(() => index.Search([1, 2, 3, float.PositiveInfinity], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 2, 3, 4], 0));
        Assert.Empty(index.Search([1, 2, 3, 4], 3));
    }

    [Theory]
    [InlineData(VectorMetric.L2)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.InnerProduct)]
    public void A_vector_whose_squared_length_overflows_a_float_is_refused_by_every_index(VectorMetric metric)
    {
        // Finite, but its squared length (1.8e39) is past float.MaxValue: cosine normalised it to zeros and found nothing
        // like it, and an inner product could sum +inf and -inf to a NaN that ranked first.
        float[] huge = [3e19f, 3e19f, 0, 0];
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-huge-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var exact = new ExactVectorIndex(4, metric);
            using var hnsw = new HnswIndex(4, metric);
            using var spann = SpannIndex.Create(folder, 4, metric);
            foreach (IVectorIndex index in new IVectorIndex[] { exact, hnsw, spann })
            {
                index.Add(1, [1, 1, 0, 0]);
                var add = Assert.Throws<VectorFormatException>(() => index.Add(2, huge));
                Assert.Contains("squared length", add.Message, StringComparison.Ordinal);
                Assert.Contains("8.5070587E+37", add.Message, StringComparison.Ordinal); // the limit, float.MaxValue / 4
                Assert.Throws<VectorFormatException>(() => index.Search(huge, 1));
                Assert.Equal(1, index.Count);
            }

            // Just inside the limit every distance between two accepted vectors is finite, whichever way they point.
            float[] big = [6e18f, -6e18f, 0, 0], opposite = [-6e18f, 6e18f, 0, 0];
            exact.Add(3, big);
            exact.Add(4, opposite);
            Assert.All(exact.Search(opposite, 3), m => Assert.True(float.IsFinite(m.Distance), $"{m.Key}: {m.Distance}"));
            Assert.Equal(4L, exact.Search(opposite, 1)[0].Key);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void An_inner_product_that_overflows_to_nan_is_the_farthest_distance_not_the_nearest()
    {
        // Products of +1e40 and -1e40 sum to NaN, which sorted as the nearest match and was never displaced.
        float[] a = [1e20f, -1e20f], b = [1e20f, 1e20f];
        Assert.Equal(float.PositiveInfinity, VectorDistance.Compute(VectorMetric.InnerProduct, a, b));
        Assert.Equal(float.PositiveInfinity, VectorDistance.Compute(VectorMetric.InnerProduct, [.. a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [.. b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    }

    [Fact]
    public void An_undefined_metric_is_refused_when_the_index_is_made()
    {
        // It was taken, and every search then failed deep inside the distance code.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ExactVectorIndex(4, (VectorMetric)99));
        Assert.Equal("metric", error.ParamName);
    }

    [Fact]
    public void Dispose_during_searches_and_writes_throws_nothing_and_every_later_call_is_refused_as_disposed()
    {
        // Dispose disposed the reader-writer lock while calls waited on it: SynchronizationLockException.
        var (data, queries) = TestVectors.DataAndQueries(2000, 3, 16, seed: 23);
        for (int trial = 0; trial < 10; trial++)
        {
            var index = new ExactVectorIndex(16, VectorMetric.L2);
            for (int i = 0; i < data.Length; i++)
            {
                index.Add(i, data[i]);
            }

            DisposeRace.AssertCleanDispose(index, data, queries);
        }
    }
}
