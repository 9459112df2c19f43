namespace AgentMem.Benchmarks.Runner;

/// <summary>The outcome of a run: aggregated metrics and the manifest that makes them reproducible.</summary>
/// <param name="Result">Metrics.</param>
/// <param name="Manifest">Run facts: dataset hash, configuration, models, prompts, category mapping.</param>
public sealed record BenchmarkRun(BenchmarkResult Result, IReadOnlyDictionary<string, object?> Manifest)
{
    /// <summary>The baseline retriever's metrics from the same run (same ingest, same questions), if one was asked for.</summary>
    public BenchmarkResult? Baseline { get; init; }
}
