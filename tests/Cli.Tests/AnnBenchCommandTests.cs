using System.Text.Json;

namespace AgentMem.Cli.Tests;

/// <summary><c>bench ann</c> on SIFT10K from the shared data folder.</summary>
public sealed class AnnBenchCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private static string Sift(string name) => Path.GetFullPath(RepoPaths.File("..", "shared", "ann", "siftsmall", name));

    [Fact]
    public async Task Hnsw_on_siftsmall_reaches_recall_at_10_of_0_95_at_ef_64()
    {
        string json = Path.Combine(cli.Folder, "ann.json");
        var (code, output, err) = await cli.RunAsync(
            "bench", "ann", "--base", Sift("siftsmall_base.fvecs"), "--query", Sift("siftsmall_query.fvecs"), "--gt", Sift("siftsmall_groundtruth.ivecs"),
            "--index", "hnsw", "--M", "16", "--efc", "200", "--ef", "64", "--json", json);

        Assert.True(code == 0, err);
        Assert.Contains("recall@10", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = doc.RootElement;
        Assert.Equal("hnsw", root.GetProperty("index").GetString());
        Assert.Equal(10_000, root.GetProperty("vectors").GetInt32());
        var row = Assert.Single(root.GetProperty("results").EnumerateArray());
        Assert.Equal(64, row.GetProperty("ef").GetInt32());
        Assert.True(row.GetProperty("recall_at_10").GetDouble() >= 0.95, row.ToString());
        Assert.True(row.GetProperty("qps").GetDouble() > 0);
        Assert.True(root.GetProperty("index_bytes").GetInt64() > 10_000L * 128 * 4);
    }

    [Fact]
    public async Task Bad_vector_file_is_a_clean_error()
    {
        string bad = Path.Combine(cli.Folder, "bad.fvecs");
        await File.WriteAllBytesAsync(bad, [1, 2, 3]);
        var (code, _, err) = await cli.RunAsync("bench", "ann", "--base", bad, "--query", bad, "--gt", Sift("siftsmall_groundtruth.ivecs"));
        Assert.Equal(1, code);
        Assert.Contains("error:", err, StringComparison.Ordinal);
        Assert.Contains("bad.fvecs", err, StringComparison.Ordinal);

        (code, _, err) = await cli.RunAsync("bench", "ann", "--base", Sift("siftsmall_base.fvecs"), "--query", Sift("siftsmall_query.fvecs"), "--gt", Sift("siftsmall_groundtruth.ivecs"), "--index", "ivf");
        Assert.Equal(1, code);
        Assert.Contains("--index must be flat, hnsw or spann", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spann_on_siftsmall_builds_then_searches_from_disk_and_reports_memory()
    {
        string json = Path.Combine(cli.Folder, "spann.json");
        string dir = Path.Combine(cli.Folder, "spann-index");
        var (code, output, err) = await cli.RunAsync(
            "bench", "ann", "--base", Sift("siftsmall_base.fvecs"), "--query", Sift("siftsmall_query.fvecs"), "--gt", Sift("siftsmall_groundtruth.ivecs"),
            "--index", "spann", "--spann-dir", dir, "--probes", "16", "--head-fraction", "0.05", "--json", json);

        Assert.True(code == 0, err);
        Assert.Contains("spann search", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = doc.RootElement;
        Assert.Equal(10_000, root.GetProperty("vectors").GetInt32());
        var row = Assert.Single(root.GetProperty("results").EnumerateArray());
        Assert.True(row.GetProperty("recall_at_10").GetDouble() >= 0.8, row.ToString());
        Assert.True(root.GetProperty("index_memory_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("disk_bytes").GetInt64() > 10_000L * 128 * 4);

        // Flags not given are the library's defaults, the settings a cube past the ANN threshold runs: the bench used RNG
        // factor 4 and closure ε 1 of its own, so what it measured was not what the product builds.
        var defaults = new AgentMem.Retrieval.Spann.SpannOptions();
        Assert.Equal(defaults.RngFactor, root.GetProperty("rng_factor").GetSingle());
        Assert.Equal(defaults.ClosureEpsilon, root.GetProperty("closure_epsilon").GetSingle());
        Assert.Equal(defaults.SearchEpsilon, root.GetProperty("search_epsilon").GetSingle());
        Assert.Equal(defaults.RerankDepth, root.GetProperty("rerank_depth").GetInt32());
        Assert.Equal(defaults.RefineIterations, root.GetProperty("refine_iterations").GetInt32());
        Assert.Equal(defaults.BalanceLambda, root.GetProperty("balance_lambda").GetDouble());
        Assert.Equal(defaults.PostingCap, root.GetProperty("posting_cap").GetInt32());
        Assert.Equal(defaults.KMeansBranching, root.GetProperty("kmeans_branching").GetInt32());
        Assert.Equal(defaults.KMeansSample, root.GetProperty("kmeans_sample").GetInt32());

        // The global --json: the result document on stdout and nothing else, as for hnsw (here a search of the built index).
        (code, output, err) = await cli.RunAsync(
            "--json", "bench", "ann", "--base", Sift("siftsmall_base.fvecs"), "--query", Sift("siftsmall_query.fvecs"), "--gt", Sift("siftsmall_groundtruth.ivecs"),
            "--index", "spann", "--spann-dir", dir, "--spann-mode", "search", "--probes", "16", "--head-fraction", "0.05");
        Assert.True(code == 0, err);
        using var stdout = JsonDocument.Parse(output);
        Assert.Equal(10_000, stdout.RootElement.GetProperty("vectors").GetInt32());
        Assert.Equal(16, Assert.Single(stdout.RootElement.GetProperty("results").EnumerateArray()).GetProperty("setting").GetInt32());
    }

    [Fact]
    public async Task The_json_file_is_written_through_the_report_writer_and_the_probes_are_named_in_their_errors()
    {
        // As the spann result is: its folder made, the file replaced whole.
        string json = Path.Combine(cli.Folder, "results", "flat.json");
        var (code, _, err) = await cli.RunAsync(
            "bench", "ann", "--base", Sift("siftsmall_base.fvecs"), "--query", Sift("siftsmall_query.fvecs"), "--gt", Sift("siftsmall_groundtruth.ivecs"),
            "--index", "flat", "--json", json);
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json)))
        {
            Assert.Equal("flat", doc.RootElement.GetProperty("index").GetString());
        }

        Assert.Equal([json], Directory.GetFiles(Path.GetDirectoryName(json)!));

        (code, _, err) = await cli.RunAsync(
            "bench", "ann", "--base", Sift("siftsmall_base.fvecs"), "--query", Sift("siftsmall_query.fvecs"), "--gt", Sift("siftsmall_groundtruth.ivecs"),
            "--index", "spann", "--probes", "8,0");
        Assert.Equal(1, code);
        Assert.Contains("--probes takes positive integers", err, StringComparison.Ordinal);
    }
}
