using AgentMem.Benchmarks.Ann;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Benchmarks.Tests.Ann;

/// <summary><c>bench ann --index flat|hnsw</c> on small generated files.</summary>
public class AnnBenchmarkTests
{
    private const int Dimension = 4;

    [Theory]
    [InlineData(50)] // the first id past a 50-vector base: ground truth written for a bigger base file
    [InlineData(-1)]
    public void Ground_truth_naming_an_id_the_base_does_not_have_is_refused_with_the_file_and_the_id(int bad)
    {
        // Such an id can never be found: the flat index, exact, reported recall below 1, a figure of the files, not the index.
        using var dir = new TempDirectory();
        string baseFile = Vectors(dir.Path, "base.fvecs", 50);
        string queries = Vectors(dir.Path, "query.fvecs", 3);
        string truth = Path.Combine(dir.Path, "gt.ivecs");
        int[] ids = [.. Enumerable.Range(0, 3 * 10).Select(i => i % 10)];
        ids[(1 * 10) + 4] = bad; // query 1, its fifth neighbour
        VecsFile.WriteIvecs(truth, new VectorRows<int>(10, 3, ids));

        var ex = Assert.Throws<VectorFormatException>(() => AnnBenchmark.Run("flat", VectorMetric.L2, new HnswOptions(), [16], baseFile, queries, truth));

        Assert.Contains(truth, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"id {bad}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("50 base vectors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_of_the_base_give_the_exact_index_full_recall()
    {
        using var dir = new TempDirectory();
        string baseFile = Vectors(dir.Path, "base.fvecs", 50);
        string truth = Path.Combine(dir.Path, "gt.ivecs");

        // The base's first 3 rows as queries: each is its own nearest neighbour, then the others by distance.
        var data = VecsFile.ReadFvecs(baseFile);
        var ids = new List<int>();
        for (int q = 0; q < 3; q++)
        {
            var row = data.Row(q).ToArray();
            ids.AddRange(Enumerable.Range(0, 50).OrderBy(i => Distance(row, data.Row(i))).Take(10));
        }

        VecsFile.WriteIvecs(truth, new VectorRows<int>(10, 3, [.. ids]));
        string queries = Path.Combine(dir.Path, "query.fvecs");
        VecsFile.WriteFvecs(queries, new VectorRows<float>(Dimension, 3, data.Data[..(3 * Dimension)]));

        var result = AnnBenchmark.Run("flat", VectorMetric.L2, new HnswOptions(), [16], baseFile, queries, truth);

        Assert.Equal(1.0, Assert.Single(result.Results).RecallAt10);
    }

    private static double Distance(float[] a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int d = 0; d < a.Length; d++)
        {
            sum += (a[d] - b[d]) * (a[d] - b[d]);
        }

        return sum;
    }

    private static string Vectors(string folder, string name, int count)
    {
        var random = new Random(count);
        string path = Path.Combine(folder, name);
        VecsFile.WriteFvecs(path, new VectorRows<float>(Dimension, count, [.. Enumerable.Range(0, count * Dimension).Select(_ => (float)random.NextDouble())]));
        return path;
    }
}
