using System.Text.Json.Serialization;
using AgentMem.Benchmarks.Reporting;
using AgentMem.MemoryCore.Errors;
using AgentMem.Retrieval.Spann;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Benchmarks.Ann;

/// <summary>
/// <c>bench ann --index spann</c>: builds a <see cref="SpannIndex"/> into a folder and/or opens it and
/// measures recall@10 and single-thread per-query latency (p50/p95) over a sweep of probe counts.
/// </summary>
/// <remarks>
/// Resident memory is measured in the search phase, which loads only the queries and ground truth
/// before its baseline: process RSS and managed heap before and after opening the index and running
/// the queries. Run the build and the search as separate processes (<c>--spann-mode build</c>, then
/// <c>search</c>) so the freed build data cannot hide the index's allocations. The OS page cache over
/// the postings file is not process memory and is not counted; <c>--drop-caches</c> empties it first
/// (root only) and reports the first, cold pass separately.
/// </remarks>
public static class SpannBenchmark
{
    private const int K = 10;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The result's keys that say how the index was built: its build flags and the build phase's figures.</summary>
    private static readonly HashSet<string> BuildKeys = new(StringComparer.Ordinal)
    {
        "index", "rng_factor", "closure_epsilon", "refine_iterations", "balance_lambda", "posting_cap", "kmeans_branching", "kmeans_sample",
        "vectors", "dimension", "build_seconds", "build_threads", "build_phases", "postings",
    };

    /// <summary>Builds and/or searches as <paramref name="s"/> says, writing the summary lines and table to <paramref name="output"/>.</summary>
    /// <returns>The result as JSON: the document written to <see cref="Settings.Json"/> when one is given.</returns>
    public static string Run(Settings s, TextWriter output, CancellationToken ct)
    {
        var options = new SpannOptions
        {
            HeadFraction = s.HeadFraction,
            ReadsInFlight = s.ReadsInFlight,
            RngFactor = s.RngFactor,
            ClosureEpsilon = s.ClosureEpsilon,
            CodeBytes = s.CodeBytes,
            RerankDepth = s.RerankDepth,
            RefineIterations = s.RefineIterations,
            BalanceLambda = s.BalanceLambda,
            PostingCap = s.PostingCap,
            KMeansBranching = s.Branching,
            KMeansSample = s.KMeansSample,
            VerifyPostingsOnOpen = false,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new MemoryValidationException($"Invalid SPANN option: {ex.Message}", ex);
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["index"] = $"agentmem spann heads={s.HeadFraction.ToString(CultureInfo.InvariantCulture)}N",
            ["setting_name"] = "probes",
            ["search_epsilon"] = s.Epsilon,
            ["reads_in_flight"] = s.ReadsInFlight,
            ["rng_factor"] = s.RngFactor,
            ["closure_epsilon"] = s.ClosureEpsilon,
            ["rerank_depth"] = s.RerankDepth,
            ["refine_iterations"] = s.RefineIterations,
            ["balance_lambda"] = s.BalanceLambda,
            ["posting_cap"] = s.PostingCap,
            ["kmeans_branching"] = s.Branching,
            ["kmeans_sample"] = s.KMeansSample,
        };
        if (s.Mode is "build" or "both")
        {
            Build(s, options, result, output);
        }

        if (s.Mode is "search" or "both")
        {
            Search(s, options, result, output, ct);
        }

        if (s.Json is { } path && s.Mode == "search" && File.Exists(path))
        {
            // The build ran as an earlier process, maybe with other flags: its file says how the index was built, and this
            // run only how it was searched (the search command's own build flags, defaults in run.sh, were reported).
            foreach (var p in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(path))!)
            {
                if (BuildKeys.Contains(p.Key))
                {
                    result[p.Key] = p.Value;
                }
            }
        }

        string json = JsonSerializer.Serialize(result, JsonOptions);
        if (s.Json is { } file)
        {
            ReportFiles.WriteText(file, json);
        }

        return json;
    }

    private static void Build(Settings s, SpannOptions options, Dictionary<string, object?> result, TextWriter output)
    {
        var data = VecsFile.ReadFvecs(s.Base);
        var watch = Stopwatch.StartNew();
        using var index = SpannIndex.Build(s.Directory, s.Metric, data, options: options);
        double seconds = watch.Elapsed.TotalSeconds;
        var phases = SpannIndex.LastBuildPhases;
        result["vectors"] = data.Count;
        result["dimension"] = data.Dimension;
        result["build_seconds"] = Math.Round(seconds, 2);
        result["build_threads"] = options.BuildThreads ?? Environment.ProcessorCount;
        result["build_phases"] = phases;
        result["postings"] = index.PostingCount;
        result["disk_bytes"] = index.DiskBytes;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"spann build: {data.Count} x {data.Dimension} in {seconds:F1} s ({string.Join(", ", phases.Select(p => $"{p.Key} {p.Value:0.##}"))}); {index.PostingCount} postings, {index.DiskBytes / 1048576.0:F0} MiB on disk"));
    }

    private static void Search(Settings s, SpannOptions options, Dictionary<string, object?> result, TextWriter output, CancellationToken ct)
    {
        var queries = VecsFile.ReadFvecs(s.Query);
        var truth = VecsFile.ReadIvecs(s.Truth);

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        long rssBefore = Rss();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var open = Stopwatch.StartNew();
        using var index = SpannIndex.Open(s.Directory, options, queries.Dimension);
        double openSeconds = open.Elapsed.TotalSeconds;
        GroundTruth.Check(truth, s.Truth, queries.Count, K, index.Count); // the index's vectors are the base's rows
        result["code_bytes"] = index.CodeBytes;
        long raw = (long)index.Count * index.Dimension * sizeof(float);
        var rows = new List<Dictionary<string, object>>();
        if (s.DropCaches)
        {
            bool dropped = DropCaches();
            result["cold_cache"] = dropped ? "dropped" : "not permitted";
            if (dropped)
            {
                var cold = Measure(index, queries, truth, s.Probes.Max(), s.Epsilon, ct);
                cold["setting"] = $"{s.Probes.Max()} (cold cache, first pass)";
                rows.Add(cold);
            }
        }

        foreach (int probes in s.Probes)
        {
            _ = Measure(index, queries, truth, probes, s.Epsilon, ct); // warm-up pass
            var row = Measure(index, queries, truth, probes, s.Epsilon, ct);
            row["setting"] = probes;
            rows.Add(row);
        }

        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        long rssAfter = Rss();
        result.TryAdd("vectors", index.Count);
        result.TryAdd("dimension", index.Dimension);
        result["open_seconds"] = Math.Round(openSeconds, 2);
        result["raw_vector_bytes"] = raw;
        result["resident_bytes"] = rssAfter - rssBefore;
        result["resident_note"] = "process RSS growth over open + all queries, measured in a process that holds no base vectors; the OS page cache of the postings file is not included";
        result["managed_heap_bytes"] = heapAfter - heapBefore;
        result["index_memory_bytes"] = index.MemoryBytes;
        result["process_rss_bytes"] = rssAfter;
        result["disk_bytes"] = index.DiskBytes;
        result["results"] = rows;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"spann search: {index.Count} vectors, {index.PostingCount} postings; open {openSeconds:F1} s; RSS +{(rssAfter - rssBefore) / 1048576.0:F0} MiB ({(rssAfter - rssBefore) / (double)raw:P1} of raw), managed heap +{(heapAfter - heapBefore) / 1048576.0:F0} MiB, index structures {index.MemoryBytes / 1048576.0:F0} MiB, disk {index.DiskBytes / 1048576.0:F0} MiB"));
        output.WriteLine("| probes | recall@10 | p50 ms | p95 ms |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row["setting"]} | {row["recall_at_10"]:F4} | {row["p50_ms"]:F3} | {row["p95_ms"]:F3} |"));
        }
    }

    private static Dictionary<string, object> Measure(SpannIndex index, VectorRows<float> queries, VectorRows<int> truth, int probes, float epsilon, CancellationToken ct)
    {
        var times = new double[queries.Count];
        int hits = 0;
        for (int q = 0; q < queries.Count; q++)
        {
            ct.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            var found = index.Search(queries.Row(q), K, probes, epsilon);
            times[q] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var expected = truth.Row(q)[..K];
            foreach (var match in found)
            {
                if (expected.Contains((int)match.Key))
                {
                    hits++;
                }
            }
        }

        Array.Sort(times);
        return new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["recall_at_10"] = Math.Round(hits / (double)(K * queries.Count), 4),
            ["p50_ms"] = Math.Round(Percentiles.FromSorted(times, 50), 3),
            ["p95_ms"] = Math.Round(Percentiles.FromSorted(times, 95), 3),
        };
    }

    /// <summary>Current resident set size (VmRSS) of this process.</summary>
    private static long Rss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Environment.WorkingSet;
    }

    private static bool DropCaches()
    {
        try
        {
            File.WriteAllText("/proc/sys/vm/drop_caches", "3");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>What the command line asked for.</summary>
    /// <param name="Mode">build, search or both.</param>
    /// <param name="Directory">The index folder.</param>
    /// <param name="Base">Base vectors (.fvecs).</param>
    /// <param name="Query">Query vectors (.fvecs).</param>
    /// <param name="Truth">Ground-truth ids (.ivecs).</param>
    /// <param name="Probes">Most postings probed per query, swept.</param>
    /// <param name="Epsilon">Query-aware pruning ε.</param>
    /// <param name="HeadFraction">Heads as a fraction of the vectors.</param>
    /// <param name="ReadsInFlight">Posting reads in flight per query.</param>
    /// <param name="DropCaches">Drop the OS page cache before a cold pass (root).</param>
    /// <param name="RngFactor">Factor of the RNG rule in closure assignment.</param>
    /// <param name="ClosureEpsilon">Closure ε.</param>
    /// <param name="CodeBytes">Bytes of the in-memory PQ code per entry (null: dimension/8).</param>
    /// <param name="RerankDepth">Candidates re-ranked on full vectors.</param>
    /// <param name="RefineIterations">Flat Lloyd passes after the hierarchical k-means.</param>
    /// <param name="BalanceLambda">λ of the balanced k-means.</param>
    /// <param name="PostingCap">Most entries a posting keeps at build time.</param>
    /// <param name="Branching">Children per k-means node.</param>
    /// <param name="KMeansSample">Vectors sampled per k-means node.</param>
    /// <param name="Metric">The distance.</param>
    /// <param name="Json">A JSON result file, or null.</param>
    public sealed record Settings(
        string Mode,
        string Directory,
        string Base,
        string Query,
        string Truth,
        List<int> Probes,
        float Epsilon,
        double HeadFraction,
        int ReadsInFlight,
        bool DropCaches,
        float RngFactor,
        float ClosureEpsilon,
        int? CodeBytes,
        int RerankDepth,
        int RefineIterations,
        double BalanceLambda,
        int PostingCap,
        int Branching,
        int KMeansSample,
        VectorMetric Metric,
        string? Json);
}
