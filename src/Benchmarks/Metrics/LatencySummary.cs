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
    /// Cubes whose search indexes were built before their questions (one sample per cube), timed apart from the searches:
    /// a retriever that builds a cube's index on its first search would otherwise time that build as the search. 0 when the
    /// run had no prepare step, and the searches then include each cube's first-search build.
    /// </summary>
    public int PrepareCount { get; init; }

    /// <summary>Median time to build one cube's search indexes before its questions.</summary>
    public double? PrepareP50 { get; init; }

    /// <summary>95th-percentile time to build one cube's search indexes before its questions.</summary>
    public double? PrepareP95 { get; init; }

    /// <summary>99th-percentile time to build one cube's search indexes before its questions.</summary>
    public double? PrepareP99 { get; init; }

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
