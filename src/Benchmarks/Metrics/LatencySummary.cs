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
    double? IngestItemsPerSecond);
