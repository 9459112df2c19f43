namespace AgentMem.MemoryCore.Maintenance;

/// <summary>
/// A maintenance job over one cube (forgetting, consolidation, summaries, linking, …). Jobs write through
/// <see cref="MemoryOS"/>, so every change is a new version with a reason and an audit line; in a dry run
/// they report what they would do and write nothing.
/// </summary>
public interface IMaintenanceJob
{
    /// <summary>The job's name on the command line, lower case (e.g. <c>forgetting</c>).</summary>
    string Name { get; }

    /// <summary>One line on what the job does.</summary>
    string Description { get; }

    /// <summary>
    /// Whether the job removes data for good (purges), so that nothing undoes a mistaken run: such a job may not run as of
    /// a future instant except in a dry run. Default false (archives and merges are versions, undone by a state change).
    /// </summary>
    bool Destroys => false;

    /// <summary>Runs the job on <see cref="MaintenanceContext.Cube"/>, reporting progress as it goes.</summary>
    Task<MaintenanceJobResult> RunAsync(MaintenanceContext context, IProgress<MaintenanceProgress>? progress = null, CancellationToken cancellationToken = default);
}
