namespace AgentMem.Benchmarks.Metrics;

/// <summary>Search and ingest latency percentiles (milliseconds) and ingest throughput; null when nothing was recorded.</summary>
/// <param name="SearchCount">Searches recorded.</param>
/// <param name="SearchP50">Median search latency.</param>
/// <param name="SearchP95">95th-percentile search latency.</param>
/// <param name="SearchP99">99th-percentile search latency.</param>
/// <param name="IngestCount">Ingest operations recorded.</param>
/// <param name="IngestP50">Median ingest latency.</param>
/// <param name="IngestP95">95th-percentile ingest latency.</param>
/// <param name="IngestP99">99th-percentile ingest latency.</param>
/// <param name="IngestItemsPerSecond">Items ingested per second of ingest time.</param>
public sealed record LatencySummary(
    int SearchCount,
    double? SearchP50,
    double? SearchP95,
    double? SearchP99,
    int IngestCount,
    double? IngestP50,
    double? IngestP95,
    double? IngestP99,
    double? IngestItemsPerSecond)
{
    /// <summary>
    /// Summarises raw samples (milliseconds); percentiles of an empty list are null. Throughput is items per second of the
    /// summed ingest time, since callers of this overload time each ingest alone.
    /// </summary>
    /// <param name="search">Search latencies.</param>
    /// <param name="ingest">Ingest latencies, one per item.</param>
    /// <returns>The summary.</returns>
    public static LatencySummary FromSamples(IEnumerable<double> search, IEnumerable<double> ingest)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(ingest);
        double[] s = search.ToArray();
        double[] i = ingest.ToArray();
        Array.Sort(s);
        Array.Sort(i);
        double seconds = i.Sum() / 1000;
        return new LatencySummary(
            s.Length,
            Percentile(s, 50),
            Percentile(s, 95),
            Percentile(s, 99),
            i.Length,
            Percentile(i, 50),
            Percentile(i, 95),
            Percentile(i, 99),
            seconds > 0 ? i.Length / seconds : null);
    }

    private static double? Percentile(double[] sorted, double p) => sorted.Length == 0 ? null : Percentiles.FromSorted(sorted, p);
}
