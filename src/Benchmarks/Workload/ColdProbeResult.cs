namespace AgentMem.Benchmarks.Workload;

/// <summary>What a cold probe measured: open and first search in a process that had never seen the cube.</summary>
/// <param name="ProcessId">The probe process's id (differs from the benchmark's when the probe ran in a child process).</param>
/// <param name="OpenMs">Opening the store and composing the memory facade, timed inside the probe.</param>
/// <param name="FirstSearchMs">The first search, timed inside the probe (builds whatever retrieval state the engine needs).</param>
/// <param name="Hits">Results the first search returned.</param>
/// <param name="WallMs">The probe's wall time as the benchmark saw it (for a child process: start to exit, runtime start-up included).</param>
public sealed record ColdProbeResult(int ProcessId, double OpenMs, double FirstSearchMs, int Hits, double WallMs)
{
    /// <summary>Open plus first search: what a restarted agent waits for before its first answer.</summary>
    public double OpenAndFirstSearchMs => OpenMs + FirstSearchMs;
}
