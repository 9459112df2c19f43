namespace AgentMem.Benchmarks.Workload;

/// <summary>What a cold probe opens and searches: the benchmark's cube, in its database, with the same engine.</summary>
/// <param name="DbPath">The database the parent process has written: a file's full path, or a URI for a server store.</param>
/// <param name="Tenant">Tenant of the cube.</param>
/// <param name="Cube">Cube name.</param>
/// <param name="Query">The first (and only) query.</param>
/// <param name="K">Results asked for.</param>
/// <param name="Engine">The engine the parent measured, to be composed the same way in the probe.</param>
public sealed record ColdProbeRequest(string DbPath, string Tenant, string Cube, string Query, int K, WorkloadEngine Engine);
