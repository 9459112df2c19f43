namespace AgentMem.MemoryCore.Maintenance;

/// <summary>What a job runs on.</summary>
/// <param name="Memory">The facade every read and write goes through.</param>
/// <param name="Actor">The acting scope (needs write access to the cube unless <paramref name="DryRun"/>).</param>
/// <param name="Cube">The cube, with its policy.</param>
/// <param name="Now">The instant the run treats as now (from the facade's time provider).</param>
/// <param name="DryRun">Report what would change, write nothing.</param>
public sealed record MaintenanceContext(MemoryOS Memory, Scope Actor, MemCube Cube, DateTimeOffset Now, bool DryRun);

/// <summary>A progress report of a running job.</summary>
/// <param name="Job">The job's name.</param>
/// <param name="Done">Units of work done so far (usually memories examined).</param>
/// <param name="Total">Units of work in all, when known.</param>
/// <param name="Counts">The job's counters so far (examined, archived, merged, …).</param>
public sealed record MaintenanceProgress(string Job, int Done, int? Total, IReadOnlyDictionary<string, int> Counts);

/// <summary>One change a job made (or, in a dry run, would make).</summary>
/// <param name="Kind">What: <c>archive</c>, <c>merge</c>, <c>summarize</c>, …</param>
/// <param name="Id">The memory changed (for a merge, the one absorbed; for a summary, the summary, or null in a dry run).</param>
/// <param name="Other">The other memory involved (for a merge, the survivor).</param>
/// <param name="Reason">Why, as recorded on the new version.</param>
public sealed record MaintenanceAction(string Kind, MemoryId? Id, MemoryId? Other, string Reason);

/// <summary>What a job did on one cube.</summary>
/// <param name="Job">The job's name.</param>
/// <param name="Cube">The cube's name.</param>
/// <param name="DryRun">Whether nothing was written.</param>
/// <param name="Counts">Final counters, e.g. <c>examined</c>, <c>archived</c>, <c>exempt</c>, <c>merged</c>.</param>
/// <param name="Actions">The changes, in the order made.</param>
public sealed record MaintenanceJobResult(string Job, string Cube, bool DryRun, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<MaintenanceAction> Actions);

/// <summary>Counters of a running job, reported as snapshots.</summary>
public sealed class MaintenanceCounters
{
    private readonly SortedDictionary<string, int> counts = new(StringComparer.Ordinal);

    /// <summary>Creates counters starting at zero for <paramref name="names"/>, so reports always show them.</summary>
    public MaintenanceCounters(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var n in names)
        {
            counts[n] = 0;
        }
    }

    /// <summary>Adds <paramref name="by"/> to counter <paramref name="name"/>.</summary>
    public void Add(string name, int by = 1) => counts[name] = counts.GetValueOrDefault(name) + by;

    /// <summary>The current value of <paramref name="name"/>.</summary>
    public int this[string name] => counts.GetValueOrDefault(name);

    /// <summary>A copy of the counters.</summary>
    public IReadOnlyDictionary<string, int> Snapshot() => new SortedDictionary<string, int>(counts, StringComparer.Ordinal);
}
