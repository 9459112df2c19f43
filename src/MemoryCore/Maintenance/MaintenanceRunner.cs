namespace AgentMem.MemoryCore.Maintenance;

/// <summary>A registry of maintenance jobs that runs a selection of them, in registration order, on cubes.</summary>
public sealed class MaintenanceRunner
{
    private readonly List<IMaintenanceJob> jobs = [];

    /// <summary>Creates a runner with <paramref name="jobs"/> registered.</summary>
    public MaintenanceRunner(IEnumerable<IMaintenanceJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        foreach (var job in jobs)
        {
            Register(job);
        }
    }

    /// <summary>
    /// The built-in jobs that need no model: <c>expiry</c> (the TTL; first, so nothing is archived or merged only to be
    /// purged), <c>forgetting</c>, <c>consolidation</c> and <c>linking</c>.
    /// </summary>
    public static MaintenanceRunner CreateDefault() => new([new Forgetting.ExpiryJob(), new Forgetting.ForgettingJob(), new Consolidation.ConsolidationJob(), new Notes.LinkingJob()]);

    /// <summary>The registered jobs, in the order they run.</summary>
    public IReadOnlyList<IMaintenanceJob> Jobs => jobs;

    /// <summary>Adds a job; names are unique (case-insensitive).</summary>
    public void Register(IMaintenanceJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (jobs.Any(j => string.Equals(j.Name, job.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException($"A maintenance job named '{job.Name}' is already registered.", nameof(job));
        }

        jobs.Add(job);
    }

    /// <summary>The jobs named in <paramref name="names"/> (all when null or empty), in registration order; unknown names are refused.</summary>
    public IReadOnlyList<IMaintenanceJob> Select(IReadOnlyCollection<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return jobs;
        }

        var unknown = names.Where(n => !jobs.Any(j => string.Equals(j.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            throw new MemoryValidationException($"Unknown maintenance job(s): {string.Join(", ", unknown)}; available: {string.Join(", ", jobs.Select(j => j.Name))}.");
        }

        return jobs.Where(j => names.Any(n => string.Equals(j.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
    }

    /// <summary>Runs the selected jobs on one cube, one after the other; returns one result per job.</summary>
    /// <remarks>
    /// <paramref name="asOf"/> sets the instant the jobs treat as now (default: the facade's clock), e.g. to
    /// preview with a dry run what forgetting would archive next month. Writes are still stamped with the clock. A job
    /// that destroys data (<see cref="IMaintenanceJob.Destroys"/>: the TTL's purge) may not look ahead except in a dry
    /// run (<see cref="MemoryValidationException"/>): it would purge for good memories that have not yet expired.
    /// </remarks>
    public async Task<IReadOnlyList<MaintenanceJobResult>> RunAsync(MemoryOS memory, Scope actor, string cube, IReadOnlyCollection<string>? jobNames = null, bool dryRun = false, IProgress<MaintenanceProgress>? progress = null, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var selected = Select(jobNames);
        if (!dryRun && asOf is { } instant && instant > memory.TimeProvider.GetUtcNow() && selected.FirstOrDefault(j => j.Destroys) is { } destroying)
        {
            throw new MemoryValidationException($"The {destroying.Name} job purges for good, so it runs as of now; {instant:O} is in the future. Preview it with a dry run, or leave it out (--jobs).");
        }

        var results = new List<MaintenanceJobResult>(selected.Count);
        foreach (var job in selected)
        {
            // Re-read the cube for each job: an earlier job may not change it, but the policy is read fresh.
            var target = await memory.OpenCubeAsync(actor, cube, cancellationToken).ConfigureAwait(false);
            var context = new MaintenanceContext(memory, actor, target, asOf ?? memory.TimeProvider.GetUtcNow(), dryRun);
            results.Add(await job.RunAsync(context, progress, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }
}
