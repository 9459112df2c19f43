using System.Text.Json.Serialization;

namespace AgentMem.Benchmarks.Ann;

/// <summary>One beam width's measurement.</summary>
/// <param name="Ef">The beam width (null for flat).</param>
/// <param name="RecallAt10">Share of the true 10 nearest found in the top 10.</param>
/// <param name="Qps">Queries per second on one thread.</param>
public sealed record AnnRow(int? Ef, [property: JsonPropertyName("recall_at_10")] double RecallAt10, double Qps);

/// <summary>A run of <see cref="AnnBenchmark"/>.</summary>
/// <param name="Index">flat or hnsw.</param>
/// <param name="Metric">l2, cosine or ip.</param>
/// <param name="Vectors">Base vectors.</param>
/// <param name="Dimension">Their dimension.</param>
/// <param name="Queries">Queries.</param>
/// <param name="M">HNSW links per node (null for flat).</param>
/// <param name="EfConstruction">HNSW build beam (null for flat).</param>
/// <param name="BuildSeconds">Build wall time.</param>
/// <param name="IndexBytes">The index's own estimate of its bytes.</param>
/// <param name="WorkingSetDeltaBytes">Working-set growth over the build.</param>
/// <param name="Results">One row per beam width.</param>
public sealed record AnnResult(
    string Index,
    string Metric,
    int Vectors,
    int Dimension,
    int Queries,
    int? M,
    int? EfConstruction,
    double BuildSeconds,
    long IndexBytes,
    long WorkingSetDeltaBytes,
    IReadOnlyList<AnnRow> Results);
