namespace AgentMem.Benchmarks.Runner;

/// <summary>Progress of a run, reported after each ingested turn batch and each answered question.</summary>
/// <param name="Phase"><c>ingest</c> or <c>search</c>.</param>
/// <param name="Done">Items finished in this phase.</param>
/// <param name="Total">Items in this phase.</param>
public sealed record BenchmarkProgress(string Phase, int Done, int Total);
