using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Vectors;

/// <summary>Seeded synthetic vectors and brute-force recall for the vector-index tests.</summary>
internal static class TestVectors
{
    /// <summary>Gaussian vectors around a few random centres (closer to real embeddings than uniform noise).</summary>
    public static float[][] Clustered(int count, int dimension, int seed, int clusters = 20, bool normalise = false, double noise = 0.5)
    {
        var random = new Random(seed);
        var centres = new float[clusters][];
        for (int c = 0; c < clusters; c++)
        {
            centres[c] = new float[dimension];
            for (int d = 0; d < dimension; d++)
            {
                centres[c][d] = (float)(random.NextDouble() * 4 - 2);
            }
        }

        var result = new float[count][];
        for (int i = 0; i < count; i++)
        {
            var centre = centres[random.Next(clusters)];
            var v = new float[dimension];
            for (int d = 0; d < dimension; d++)
            {
                v[d] = centre[d] + (float)(noise * Gaussian(random));
            }

            if (normalise)
            {
                VectorDistance.Normalize(v);
            }

            result[i] = v;
        }

        return result;
    }

    /// <summary>Data and held-out queries drawn from the same clusters (queries are not in the data).</summary>
    public static (float[][] Data, float[][] Queries) DataAndQueries(int count, int queries, int dimension, int seed, bool normalise = false)
    {
        var all = Clustered(count + queries, dimension, seed, normalise: normalise);
        return (all[..count], all[count..]);
    }

    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public static double Recall(IReadOnlyList<VectorMatch> expected, IReadOnlyList<VectorMatch> actual)
    {
        var truth = new HashSet<long>();
        foreach (var m in expected)
        {
            truth.Add(m.Key);
        }

        int hits = 0;
        foreach (var m in actual)
        {
            if (truth.Contains(m.Key))
            {
                hits++;
            }
        }

        return expected.Count == 0 ? 1 : (double)hits / expected.Count;
    }

    public static (HnswIndex Hnsw, ExactVectorIndex Exact) Build(float[][] data, VectorMetric metric, HnswOptions? options = null)
    {
        var hnsw = new HnswIndex(data[0].Length, metric, options);
        var exact = new ExactVectorIndex(data[0].Length, metric);
        for (int i = 0; i < data.Length; i++)
        {
            hnsw.Add(i, data[i]);
            exact.Add(i, data[i]);
        }

        return (hnsw, exact);
    }

    public static double MeanRecall(IVectorIndex approximate, IVectorIndex exact, float[][] queries, int k, Func<long, bool>? filter = null)
    {
        double total = 0;
        foreach (var q in queries)
        {
            total += Recall(exact.Search(q, k, filter), approximate.Search(q, k, filter));
        }

        return total / queries.Length;
    }
}
