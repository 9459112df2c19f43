using AgentMem.Retrieval.Spann;
using AgentMem.Retrieval.Tests.Vectors;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Spann;

/// <summary>The PQ kernels against their plain twins: table look-ups equal distances to the decoded vectors.</summary>
public sealed class ProductQuantizerTests
{
    private static (ProductQuantizer Pq, float[] Data, int Dim) Trained(int dim, int subspaces)
    {
        var (rows, _) = TestVectors.DataAndQueries(2000, 0, dim, seed: 31);
        var data = new float[rows.Length * dim];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i].CopyTo(data, i * dim);
        }

        var sample = Enumerable.Range(0, rows.Length).ToArray();
        return (ProductQuantizer.Train(data, dim, sample, subspaces, 6, 1, new ParallelOptions { MaxDegreeOfParallelism = 2 }), data, dim);
    }

    [Theory]
    [InlineData(24, 3, VectorMetric.L2)]
    [InlineData(30, 7, VectorMetric.L2)] // subspaces of unequal width
    [InlineData(24, 6, VectorMetric.InnerProduct)]
    public void Scan_equals_the_plain_sum_and_the_distance_to_the_decoded_vector(int dim, int m, VectorMetric metric)
    {
        var (pq, data, _) = Trained(dim, m);
        var random = new Random(4);
        var query = Enumerable.Range(0, dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var table = new float[pq.TableLength];
        pq.DistanceTable(query, metric, table);
        const int count = 50;
        var codes = new byte[count * m];
        for (int i = 0; i < count; i++)
        {
            pq.Encode(data.AsSpan(i * dim, dim), codes.AsSpan(i * m, m));
        }

        var scanned = new float[count];
        ProductQuantizer.Scan(table, codes, m, scanned);
        var decoded = new float[dim];
        for (int i = 0; i < count; i++)
        {
            var code = codes.AsSpan(i * m, m);
            pq.Decode(code, decoded);
            float exact = metric == VectorMetric.L2 ? VectorDistance.SquaredL2(query, decoded) : -VectorDistance.Dot(query, decoded);
            Assert.Equal(ProductQuantizer.Distance(table, code), scanned[i], 1e-5 * Math.Max(1, Math.Abs(scanned[i])));
            Assert.Equal(exact, scanned[i], 1e-4 * Math.Max(1, Math.Abs(exact)));
        }
    }

    [Fact]
    public void Encode_picks_the_nearest_centroid_in_every_subspace()
    {
        var (pq, data, dim) = Trained(24, 4);
        var code = new byte[4];
        var trial = new byte[4];
        var decoded = new float[dim];
        var vector = data.AsSpan(7 * dim, dim);
        pq.Encode(vector, code);
        pq.Decode(code, decoded);
        float best = VectorDistance.SquaredL2(vector, decoded);
        for (int j = 0; j < 4; j++)
        {
            for (int c = 0; c < ProductQuantizer.Centroids; c++)
            {
                code.CopyTo(trial, 0);
                trial[j] = (byte)c;
                pq.Decode(trial, decoded);
                Assert.True(VectorDistance.SquaredL2(vector, decoded) >= best - 1e-4f);
            }
        }

        // Quantisation is lossy but far better than a random code.
        var other = new float[dim];
        pq.Decode(new byte[] { 1, 2, 3, 4 }, other);
        Assert.True(best < VectorDistance.SquaredL2(vector, other));
    }

    [Fact]
    public void Too_few_training_vectors_are_refused()
    {
        var data = new float[100 * 8];
        Assert.Throws<ArgumentException>(() => ProductQuantizer.Train(data, 8, Enumerable.Range(0, 100).ToArray(), 2, 4, 1, new ParallelOptions()));
    }

    [Fact]
    public void A_written_quantiser_reads_back_identically()
    {
        var (pq, data, dim) = Trained(16, 4);
        var bytes = new byte[pq.SerializedBytes];
        pq.Write(bytes);
        var back = ProductQuantizer.Read(bytes, out int read)!;
        Assert.Equal(bytes.Length, read);
        var a = new byte[4];
        var b = new byte[4];
        pq.Encode(data.AsSpan(0, dim), a);
        back.Encode(data.AsSpan(0, dim), b);
        Assert.Equal(a, b);
        Assert.Null(ProductQuantizer.Read(bytes.AsSpan(0, 20), out _));
    }
}
