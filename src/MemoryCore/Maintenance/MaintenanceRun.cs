namespace AgentMem.MemoryCore.Maintenance;

/// <summary>
/// The bookkeeping of one job's run on one cube: its counters, the actions it took, its progress reports and its result. Every
/// job keeps these the same way, so a job writes only what it decides.
/// </summary>
public sealed class MaintenanceRun
{
    private readonly IProgress<MaintenanceProgress>? progress;
    private readonly List<MaintenanceAction> actions = [];

    /// <summary>Starts a run of job <paramref name="job"/> on <paramref name="context"/> with <paramref name="counters"/> at zero.</summary>
    public MaintenanceRun(string job, MaintenanceContext context, IProgress<MaintenanceProgress>? progress, params string[] counters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(job);
        ArgumentNullException.ThrowIfNull(context);
        Job = job;
        Context = context;
        Counters = new MaintenanceCounters(counters);
        this.progress = progress;
    }

    /// <summary>The job's name.</summary>
    public string Job { get; }

    /// <summary>What the job runs on.</summary>
    public MaintenanceContext Context { get; }

    /// <summary>The job's counters.</summary>
    public MaintenanceCounters Counters { get; }

    /// <summary>Records a change made (or, in a dry run, that would be made).</summary>
    public void Act(string kind, MemoryId? id, MemoryId? other, string reason) => actions.Add(new MaintenanceAction(kind, id, other, reason));

    /// <summary>Reports <paramref name="done"/> units of work out of <paramref name="total"/> (when known), with the counters so far.</summary>
    public void Report(int done, int? total) => progress?.Report(new MaintenanceProgress(Job, done, total, Counters.Snapshot()));

    /// <summary>What the run did: the final counters and the actions in the order made.</summary>
    public MaintenanceJobResult Result() => new(Job, Context.Cube.Name, Context.DryRun, Counters.Snapshot(), actions);
}
