using AgentMem.Benchmarks.Ann;
using AgentMem.Retrieval.Spann;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>bench ann</c>: recall@10 and single-thread QPS of a vector index on .fvecs/.ivecs data (SIFT-style
/// base, queries and ground truth), sweeping HNSW's ef. The numbers bench/Ann compares with hnswlib. The measuring lives
/// in Benchmarks (<see cref="AnnBenchmark"/>, <see cref="SpannBenchmark"/>); this verb only binds the options.
/// </summary>
internal static class AnnBenchCommand
{
    public static Command Create(Verbs verbs)
    {
        var baseFile = new Option<string>("--base") { Description = "Base vectors (.fvecs).", Required = true };
        var queryFile = new Option<string>("--query") { Description = "Query vectors (.fvecs).", Required = true };
        var truthFile = new Option<string>("--gt") { Description = "Ground-truth neighbour ids per query (.ivecs, at least 10 per row), each a row of --base: an id outside it is refused.", Required = true };
        var indexKind = new Option<string>("--index") { Description = "flat (exact), hnsw or spann (disk).", DefaultValueFactory = _ => "hnsw" };
        var m = new Option<int>("--M") { Description = "HNSW links per node (2M on layer 0).", DefaultValueFactory = _ => 16 };
        var efc = new Option<int>("--efc") { Description = "HNSW efConstruction.", DefaultValueFactory = _ => 200 };
        var efs = new Option<string>("--ef") { Description = "HNSW search beam widths to sweep, comma-separated.", DefaultValueFactory = _ => "16,32,64,128" };
        var metricName = new Option<string>("--metric") { Description = "l2, cosine or ip.", DefaultValueFactory = _ => "l2" };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file." };
        // The SPANN flags default to SpannOptions' defaults, what a cube past the ANN threshold builds and searches with: the
        // bench had its own (RNG factor 4, closure ε 1), so its recall was of a configuration the product never ran.
        var spann = new SpannOptions();
        var spannDir = new Option<string?>("--spann-dir") { Description = "SPANN: index folder (default: a temporary folder)." };
        var spannMode = new Option<string>("--spann-mode") { Description = "SPANN: build, search (open an existing index) or both.", DefaultValueFactory = _ => "both" };
        var probes = new Option<string>("--probes") { Description = "SPANN: most postings probed per query, comma-separated sweep; the last default is SpannOptions.MaxProbes, what a search probes.", DefaultValueFactory = _ => string.Join(',', spann.MaxProbes / 8, spann.MaxProbes / 4, spann.MaxProbes / 2, spann.MaxProbes) };
        var eps = new Option<float>("--eps") { Description = "SPANN: query-aware pruning ε on the index distance (squared for l2).", DefaultValueFactory = _ => spann.SearchEpsilon };
        var headFraction = new Option<double>("--head-fraction") { Description = "SPANN: heads as a fraction of the vectors.", DefaultValueFactory = _ => spann.HeadFraction };
        var inFlight = new Option<int>("--reads-in-flight") { Description = "SPANN: posting reads in flight per query (1: synchronous, so the latency is one thread's; the library's default is more).", DefaultValueFactory = _ => 1 };
        var rngFactor = new Option<float>("--rng-factor") { Description = "SPANN: factor of the RNG rule in closure assignment (squared distances for l2).", DefaultValueFactory = _ => spann.RngFactor };
        var closureEps = new Option<float>("--closure-eps") { Description = "SPANN: closure ε: replicas only in heads within d1 + ε·d1 (squared for l2).", DefaultValueFactory = _ => spann.ClosureEpsilon };
        var codeBytes = new Option<int?>("--code-bytes") { Description = "SPANN: bytes of the in-memory PQ code per entry (default dimension/8; 0: none, scan postings from disk)." };
        var rerank = new Option<int>("--rerank") { Description = "SPANN: candidates by code distance re-ranked on full vectors read from disk.", DefaultValueFactory = _ => spann.RerankDepth };
        var refine = new Option<int>("--refine") { Description = "SPANN: flat Lloyd passes over all vectors after the hierarchical k-means.", DefaultValueFactory = _ => spann.RefineIterations };
        var balance = new Option<double>("--balance") { Description = "SPANN: λ of the balanced k-means (0: plain k-means).", DefaultValueFactory = _ => spann.BalanceLambda };
        var postingCap = new Option<int>("--posting-cap") { Description = "SPANN: most entries a posting keeps at build time.", DefaultValueFactory = _ => spann.PostingCap };
        var branching = new Option<int>("--branching") { Description = "SPANN: children per k-means node (at least N / leaf size: one flat k-means level).", DefaultValueFactory = _ => spann.KMeansBranching };
        var kmeansSample = new Option<int>("--kmeans-sample") { Description = "SPANN: vectors sampled to fit one k-means node.", DefaultValueFactory = _ => spann.KMeansSample };
        var dropCaches = new Option<bool>("--drop-caches") { Description = "SPANN: drop the OS page cache after opening (root) and report a cold pass." };
        return verbs.Create("ann", "Vector-index benchmark: recall@10, single-thread QPS, build time and memory on .fvecs/.ivecs data.", [
            baseFile, queryFile, truthFile, indexKind, m, efc, efs, metricName, json, spannDir, spannMode, probes, eps, headFraction, inFlight, dropCaches, rngFactor, closureEps, codeBytes, rerank, refine, balance, postingCap, branching, kmeansSample,
        ], (ctx, parse, ct) =>
        {
            if (parse.GetValue(json) is { } jsonOut)
            {
                // Before the run, not after it: never over the database, the vectors or the index it reads.
                Parsing.OutputFile(ctx, jsonOut, "--json", [.. new[] { baseFile, queryFile, truthFile }.Select(o => (o.Name, (string?)parse.GetValue(o))), (spannDir.Name, parse.GetValue(spannDir))]);
            }

            string kind = parse.GetValue(indexKind)!.ToLowerInvariant();
            if (kind is not ("flat" or "hnsw" or "spann"))
            {
                throw new MemoryValidationException($"--index must be flat, hnsw or spann, not '{kind}'.");
            }

            var metric = ParseMetric(parse.GetValue(metricName)!);
            if (kind == "spann")
            {
                string mode = parse.GetValue(spannMode)!;
                if (mode is not ("build" or "search" or "both"))
                {
                    throw new MemoryValidationException($"--spann-mode must be build, search or both, not '{mode}'.");
                }

                var settings = new SpannBenchmark.Settings(
                    mode,
                    parse.GetValue(spannDir) ?? Path.Combine(Path.GetTempPath(), "agentmem-spann-bench"),
                    parse.GetValue(baseFile)!,
                    parse.GetValue(queryFile)!,
                    parse.GetValue(truthFile)!,
                    ParseSweep(parse.GetValue(probes)!, "--probes", "8,16,32"),
                    parse.GetValue(eps),
                    parse.GetValue(headFraction),
                    parse.GetValue(inFlight),
                    parse.GetValue(dropCaches),
                    parse.GetValue(rngFactor),
                    parse.GetValue(closureEps),
                    parse.GetValue(codeBytes),
                    parse.GetValue(rerank),
                    parse.GetValue(refine),
                    parse.GetValue(balance),
                    parse.GetValue(postingCap),
                    parse.GetValue(branching),
                    parse.GetValue(kmeansSample),
                    metric,
                    parse.GetValue(json));
                // --json before the verb: the result document on stdout, as for hnsw, and not the text lines.
                string document = SpannBenchmark.Run(settings, ctx.Output.IsJson ? TextWriter.Null : ctx.Output.Out, ct);
                if (ctx.Output.IsJson)
                {
                    ctx.Output.Out.Write(document + "\n");
                }

                ctx.Output.Out.Flush();
                return Task.FromResult(0);
            }

            var options = new HnswOptions { M = parse.GetValue(m), EfConstruction = parse.GetValue(efc), MaxElements = null };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new MemoryValidationException($"Invalid HNSW option: {ex.Message}", ex);
            }

            ctx.Output.Notice("[grey]loading vectors[/]");
            var result = AnnBenchmark.Run(kind, metric, options, kind == "hnsw" ? ParseSweep(parse.GetValue(efs)!, "--ef", "16,32,64") : [0], parse.GetValue(baseFile)!, parse.GetValue(queryFile)!, parse.GetValue(truthFile)!, ct);
            ctx.Output.Out.Write(ctx.Output.IsJson ? AnnBenchmark.ToJson(result) + "\n" : AnnBenchmark.Format(result));
            ctx.Output.Out.Flush();
            if (parse.GetValue(json) is { } jsonPath)
            {
                AnnBenchmark.WriteJson(jsonPath, result);
                ctx.Output.Notice($"[grey]wrote {TerminalText.Escape(Path.GetFullPath(jsonPath))}[/]");
            }

            return Task.FromResult(0);
        });
    }

    private static VectorMetric ParseMetric(string name) => name.ToLowerInvariant() switch
    {
        "l2" => VectorMetric.L2,
        "cosine" => VectorMetric.Cosine,
        "ip" => VectorMetric.InnerProduct,
        _ => throw new MemoryValidationException($"--metric must be l2, cosine or ip, not '{name}'."),
    };

    private static List<int> ParseSweep(string text, string option, string example)
    {
        var list = Parsing.PositiveIntegers(text, option, example);
        if (list.Count == 0)
        {
            throw new MemoryValidationException($"{option} needs at least one value.");
        }

        return list;
    }
}
