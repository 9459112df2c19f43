using AgentMem.Benchmarks.Reporting;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Benchmarks.Ann;

/// <summary>
/// The in-memory vector-index benchmark (<c>bench ann --index flat|hnsw</c>): builds the index over .fvecs base vectors,
/// then, for each beam width, recall@10 against the .ivecs ground truth and single-thread QPS (the best of a few timed
/// windows, each at least 0.2 s), with build time, the index's bytes and the working set's growth.
/// </summary>
public static class AnnBenchmark
{
    private const int K = 10;

    /// <summary>Timed windows per beam width; the fastest counts, which filters out other load on a shared machine (hnswlib_ref.py does the same).</summary>
    private const int Windows = 5;

    /// <summary>Minimum span of one timed window, repeating the query set, so small query sets still give a stable QPS.</summary>
    private static readonly TimeSpan MinTimed = TimeSpan.FromSeconds(0.2);
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Loads the files, builds, measures.</summary>
    /// <param name="index">flat or hnsw.</param>
    /// <param name="metric">The distance.</param>
    /// <param name="hnsw">HNSW's build settings (ignored for flat).</param>
    /// <param name="beamWidths">HNSW search beam widths to sweep (flat: one pass).</param>
    /// <param name="baseFile">Base vectors (.fvecs).</param>
    /// <param name="queryFile">Query vectors (.fvecs).</param>
    /// <param name="truthFile">Ground-truth ids, at least 10 per query (.ivecs), each a row of the base file.</param>
    /// <param name="cancellationToken">Stops the build or the sweep.</param>
    /// <exception cref="VectorFormatException">The files do not fit together.</exception>
    public static AnnResult Run(string index, VectorMetric metric, HnswOptions hnsw, IReadOnlyList<int> beamWidths, string baseFile, string queryFile, string truthFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hnsw);
        ArgumentNullException.ThrowIfNull(beamWidths);
        if (index is not ("flat" or "hnsw"))
        {
            throw new ArgumentException($"The in-memory benchmark runs flat or hnsw, not '{index}'.", nameof(index));
        }

        var data = VecsFile.ReadFvecs(baseFile);
        var queries = VecsFile.ReadFvecs(queryFile);
        var truth = VecsFile.ReadIvecs(truthFile);
        if (queries.Dimension != data.Dimension)
        {
            throw new VectorFormatException($"The queries have {queries.Dimension} dimensions; the base vectors have {data.Dimension}.");
        }

        GroundTruth.Check(truth, truthFile, queries.Count, K, data.Count);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long workingSetBefore = Environment.WorkingSet;
        var build = Stopwatch.StartNew();
        var graph = index == "hnsw" ? new HnswIndex(data.Dimension, metric, hnsw with { MaxElements = Math.Max(1, data.Count) }) : null;
        using IVectorIndex built = graph ?? (IVectorIndex)new ExactVectorIndex(data.Dimension, metric, Math.Max(1, data.Count));
        for (int i = 0; i < data.Count; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            built.Add(i, data.Row(i));
        }

        double buildSeconds = build.Elapsed.TotalSeconds;
        GC.Collect();
        long workingSetDelta = Environment.WorkingSet - workingSetBefore;

        // Flat: the vectors and keys it holds (its key map estimated at 24 bytes an entry).
        long indexBytes = graph?.MemoryBytes ?? ((long)data.Count * data.Dimension * sizeof(float)) + (data.Count * (8L + 24));
        var rows = new List<AnnRow>();
        foreach (int width in graph is null ? [0] : beamWidths)
        {
            rows.Add(Measure(built, graph is null ? null : width, queries, truth, cancellationToken));
        }

        return new AnnResult(index, MetricName(metric), data.Count, data.Dimension, queries.Count, graph is null ? null : hnsw.M, graph is null ? null : hnsw.EfConstruction, Math.Round(buildSeconds, 3), indexBytes, workingSetDelta, rows);
    }

    /// <summary>The result as a Markdown table with a header line.</summary>
    public static string Format(AnnResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"{result.Index} {result.Metric}: {result.Vectors} x {result.Dimension}, {result.Queries} queries; build {result.BuildSeconds:F2} s; index {result.IndexBytes / 1048576.0:F1} MiB; working set +{result.WorkingSetDeltaBytes / 1048576.0:F1} MiB");
        text.AppendLine("| index | ef | recall@10 | QPS (1 thread) |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var row in result.Results)
        {
            text.AppendLine(c, $"| {result.Index} | {(row.Ef is { } ef ? ef.ToString(c) : "-")} | {row.RecallAt10:F4} | {row.Qps:F0} |");
        }

        return text.ToString();
    }

    /// <summary>The result as indented snake_case JSON.</summary>
    public static string ToJson(AnnResult result) => JsonSerializer.Serialize(result, JsonOptions);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> whole or not at all, creating its folder (as the SPANN result is written).</summary>
    public static void WriteJson(string path, AnnResult result) => ReportFiles.WriteText(path, ToJson(result));

    private static AnnRow Measure(IVectorIndex index, int? beamWidth, VectorRows<float> queries, VectorRows<int> truth, CancellationToken ct)
    {
        var settings = new VectorSearchOptions { BeamWidth = beamWidth };
        int hits = 0;

        // The first pass is both the warm-up and the recall count; timing repeats the set until MinTimed.
        for (int q = 0; q < queries.Count; q++)
        {
            var expected = truth.Row(q)[..K];
            foreach (var match in index.Search(queries.Row(q), K, settings))
            {
                if (expected.Contains((int)match.Key))
                {
                    hits++;
                }
            }
        }

        double qps = 0;
        for (int window = 0; window < Windows; window++)
        {
            long searched = 0;
            var watch = Stopwatch.StartNew();
            do
            {
                ct.ThrowIfCancellationRequested();
                for (int q = 0; q < queries.Count; q++)
                {
                    _ = index.Search(queries.Row(q), K, settings);
                }

                searched += queries.Count;
            }
            while (watch.Elapsed < MinTimed);
            qps = Math.Max(qps, searched / watch.Elapsed.TotalSeconds);
        }

        return new AnnRow(beamWidth, Math.Round(hits / (double)(K * queries.Count), 4), Math.Round(qps, 1));
    }

    private static string MetricName(VectorMetric metric) => metric switch
    {
        VectorMetric.L2 => "l2",
        VectorMetric.Cosine => "cosine",
        _ => "ip",
    };
}
