namespace AgentMem.Benchmarks.Runner;

/// <summary>Progress of a run, reported after each ingested (or skipped) memory, each prepared cube and each answered question.</summary>
/// <param name="Phase">
/// In order: <c>ingest</c> (turns, or sessions at session granularity), <c>prepare</c> (cubes whose search indexes were
/// built, <see cref="BenchmarkRunner.PrepareCube"/>), <c>embed</c> (vectors, reported by a host that waits for its
/// background embedder in <see cref="BenchmarkRunner.AfterIngest"/>, as the CLI's <c>--wait-for-embeddings</c> does) and
/// <c>search</c> (questions).
/// </param>
/// <param name="Done">Items finished in this phase.</param>
/// <param name="Total">Items in this phase.</param>
public sealed record BenchmarkProgress(string Phase, int Done, int Total);
