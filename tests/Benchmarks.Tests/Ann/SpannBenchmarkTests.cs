using System.Text.Json;
using AgentMem.Benchmarks.Ann;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Benchmarks.Tests.Ann;

/// <summary><c>bench ann --index spann</c> on a small generated set, its build and search run as two processes do.</summary>
public class SpannBenchmarkTests
{
    private const int Dimension = 16;

    [Fact]
    public void A_search_only_run_reports_how_the_index_was_built_not_its_own_build_flags()
    {
        // run.sh searches in a second process, whose build flags are the defaults: the file said heads=0.1N and posting
        // cap 256 for an index built with 0.05 and 64.
        using var dir = new TempDirectory();
        string json = Path.Combine(dir.Path, "ours.json");
        var build = new SpannBenchmark.Settings(
            "build",
            Path.Combine(dir.Path, "spann"),
            WriteVectors(dir.Path, "base.fvecs", 2000, seed: 1),
            WriteVectors(dir.Path, "query.fvecs", 10, seed: 2),
            WriteTruth(dir.Path, "truth.ivecs", 10),
            Probes: [4],
            Epsilon: 0.6f,
            HeadFraction: 0.05,
            ReadsInFlight: 1,
            DropCaches: false,
            RngFactor: 2f,
            ClosureEpsilon: 0.5f,
            CodeBytes: null,
            RerankDepth: 50,
            RefineIterations: 2,
            BalanceLambda: 0.25,
            PostingCap: 64,
            Branching: 8,
            KMeansSample: 1000,
            VectorMetric.L2,
            json);
        SpannBenchmark.Run(build, TextWriter.Null, CancellationToken.None);

        var search = build with { Mode = "search", HeadFraction = 0.1, RngFactor = 4f, ClosureEpsilon = 1f, RefineIterations = 1, BalanceLambda = 0.5, PostingCap = 256, Branching = 32, KMeansSample = 50_000, RerankDepth = 80 };
        SpannBenchmark.Run(search, TextWriter.Null, CancellationToken.None);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal("agentmem spann heads=0.05N", root.GetProperty("index").GetString());
        Assert.Equal(64, root.GetProperty("posting_cap").GetInt32());
        Assert.Equal(2, root.GetProperty("refine_iterations").GetInt32());
        Assert.Equal(0.25, root.GetProperty("balance_lambda").GetDouble());
        Assert.Equal(2f, root.GetProperty("rng_factor").GetSingle());
        Assert.Equal(0.5f, root.GetProperty("closure_epsilon").GetSingle());
        Assert.Equal(8, root.GetProperty("kmeans_branching").GetInt32());
        Assert.Equal(1000, root.GetProperty("kmeans_sample").GetInt32());
        Assert.True(root.GetProperty("build_seconds").GetDouble() >= 0);

        // The search's own settings and figures are this run's.
        Assert.Equal(80, root.GetProperty("rerank_depth").GetInt32());
        Assert.Equal(4, Assert.Single(root.GetProperty("results").EnumerateArray()).GetProperty("setting").GetInt32());
    }

    [Fact]
    public void A_search_with_ground_truth_naming_an_id_past_the_index_is_refused_with_the_file_and_the_id()
    {
        // Truth written for a bigger base (SIFT1M's, say, over a truncated base): its ids can never be found.
        using var dir = new TempDirectory();
        string truth = WriteTruth(dir.Path, "truth.ivecs", 10, firstId: 1995); // 1995..2004 over a 2000-vector index
        var build = new SpannBenchmark.Settings(
            "both", Path.Combine(dir.Path, "spann"), WriteVectors(dir.Path, "base.fvecs", 2000, seed: 1), WriteVectors(dir.Path, "query.fvecs", 10, seed: 2), truth,
            Probes: [4], Epsilon: 0.6f, HeadFraction: 0.05, ReadsInFlight: 1, DropCaches: false, RngFactor: 2f, ClosureEpsilon: 0.5f, CodeBytes: null,
            RerankDepth: 50, RefineIterations: 2, BalanceLambda: 0.25, PostingCap: 64, Branching: 8, KMeansSample: 1000, VectorMetric.L2, Json: null);

        var ex = Assert.Throws<VectorFormatException>(() => SpannBenchmark.Run(build, TextWriter.Null, CancellationToken.None));

        Assert.Contains(truth, ex.Message, StringComparison.Ordinal);
        Assert.Contains("id 2000", ex.Message, StringComparison.Ordinal);
    }

    private static string WriteVectors(string folder, string name, int count, int seed)
    {
        var random = new Random(seed);
        string path = Path.Combine(folder, name);
        using var writer = new BinaryWriter(File.Create(path));
        for (int i = 0; i < count; i++)
        {
            writer.Write(Dimension);
            for (int d = 0; d < Dimension; d++)
            {
                writer.Write((float)random.NextDouble());
            }
        }

        return path;
    }

    /// <summary>Ids only to satisfy the file's shape: recall is not what this test looks at.</summary>
    private static string WriteTruth(string folder, string name, int count, int firstId = 0)
    {
        string path = Path.Combine(folder, name);
        using var writer = new BinaryWriter(File.Create(path));
        for (int i = 0; i < count; i++)
        {
            writer.Write(10);
            for (int k = 0; k < 10; k++)
            {
                writer.Write(firstId + k);
            }
        }

        return path;
    }
}
