namespace AgentMem.Benchmarks.Workload;

/// <summary>The outcome of a workload run: one row per engine and size, and the facts that make it reproducible.</summary>
/// <param name="Rows">Rows, the default engine's sizes first, then the reference's.</param>
/// <param name="ProcessId">The benchmark's own process id (a cold probe in a child process reports another).</param>
/// <param name="Manifest">Dataset hash, settings, engines and host facts (git commit, machine).</param>
public sealed record WorkloadResult(IReadOnlyList<WorkloadRow> Rows, int ProcessId, IReadOnlyDictionary<string, object?> Manifest);
