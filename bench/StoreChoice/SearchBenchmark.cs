using System.Diagnostics;

namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// Every non-adversarial LoCoMo question with evidence, answered lexically in its conversation's cube: latency per
/// query (after a warm-up pass over the first questions) and recall@10 of the evidence turns.
/// </summary>
internal static class SearchBenchmark
{
    private const int Limit = 10;
    private const int WarmUpQueries = 100;

    public static List<SearchRow> Run(Workload workload, HarnessOptions options)
    {
        string sqlite = IngestBenchmark.Load(EngineKind.SqliteStore, workload, options);
        string lite = IngestBenchmark.Load(EngineKind.LiteDb, workload, options);
        return
        [
            Measure(EngineKind.SqliteStore, "FTS5 MATCH + bm25() (our store)", sqlite, workload),
            Measure(EngineKind.LiteDb, "posting keys in a multikey index + BM25 in app", lite, workload),
            Measure(EngineKind.LiteDbScan, "scan of the cube + BM25 in app", lite, workload),
        ];
    }

    private static SearchRow Measure(string engine, string method, string path, Workload workload)
    {
        using var store = EngineKind.Open(engine, path);
        foreach (var question in workload.Questions.Take(WarmUpQueries))
        {
            store.Search(question.CubeId, question.Question, Limit);
        }

        var latencies = new List<double>(workload.Questions.Count);
        double recallSum = 0;
        var watch = new Stopwatch();
        foreach (var question in workload.Questions)
        {
            watch.Restart();
            var hits = store.Search(question.CubeId, question.Question, Limit);
            watch.Stop();
            latencies.Add(watch.Elapsed.TotalMilliseconds);
            var found = new HashSet<string>(hits, StringComparer.Ordinal);
            recallSum += (double)question.EvidenceTurnIds.Count(found.Contains) / question.EvidenceTurnIds.Count;
        }

        latencies.Sort();
        Console.Error.WriteLine($"  search {engine,-20} done");
        return new SearchRow(engine, method, workload.Questions.Count, Percentile(latencies, 0.50), Percentile(latencies, 0.95), recallSum / workload.Questions.Count);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

internal sealed record SearchRow(string Engine, string Method, int Queries, double P50Ms, double P95Ms, double RecallAt10);
