namespace AgentMem.MemoryCore.Forgetting;

/// <summary>
/// <c>expiry</c>: the cube's TTL. Hard-deletes (purges) every memory recorded more than the cube's
/// <see cref="Cubes.CubePolicy.HardDeleteAfterDays"/> ago, in any state but frozen (a frozen memory is a legal hold and
/// is kept until unfrozen), with what was derived from it, frozen memories again excepted
/// (<see cref="MemoryOS.PurgeManyAsync(Scope, IReadOnlyList{MemoryId}, string?, CancellationToken)"/>). The age runs from <see cref="Provenance.RecordedAt"/>, so updates, archiving
/// by <see cref="ForgettingJob"/> and recalls never postpone it. Each purge leaves one audit line without content.
/// Counters: <c>examined</c>, <c>purged</c>, <c>exempt</c> (frozen), <c>kept</c>, <c>conflicts</c> (changed or gone meanwhile).
/// Progress, every 200 memories: <see cref="MaintenanceProgress.Done"/> counts the memories listed (total not yet known),
/// then, unless a dry run, the expired ones loaded and checked for the purge, out of a total of both; the purge itself is
/// one transaction (with its VACUUM), reported when it has committed.
/// </summary>
public sealed class ExpiryJob : IMaintenanceJob
{
    /// <summary>The job's name.</summary>
    public const string JobName = "expiry";

    private const int ProgressEvery = 200;

    /// <summary>Every state a memory can be in: the TTL applies to all of them (frozen ones are counted as exempt).</summary>
    private static readonly LifecycleState[] AllStates = Enum.GetValues<LifecycleState>();

    /// <inheritdoc/>
    public string Name => JobName;

    /// <inheritdoc/>
    public bool Destroys => true;

    /// <inheritdoc/>
    public string Description => "Hard-delete memories older than the cube's hard-delete-after-days TTL (frozen ones exempt).";

    /// <summary>Whether <paramref name="item"/> has outlived a TTL of <paramref name="days"/> at <paramref name="now"/> (never when days is 0).</summary>
    public static bool IsExpired(MemoryItem item, int days, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(item);
        // In days, not as a TimeSpan: TimeSpan.FromDays throws past about 10.7 million days, and a TTL of int.MaxValue
        // ("practically never") stopped the tenant's whole expiry sweep.
        return days > 0 && (now - item.Provenance.RecordedAt).TotalDays > days;
    }

    /// <inheritdoc/>
    public async Task<MaintenanceJobResult> RunAsync(MaintenanceContext context, IProgress<MaintenanceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = new MaintenanceRun(Name, context, progress, "examined", "purged", "exempt", "kept", "conflicts");
        int days = context.Cube.Policy.HardDeleteAfterDays;
        if (days <= 0)
        {
            run.Report(0, 0);
            return run.Result();
        }

        // Listed first, purged after: purging while paging would shift the pages under the listing.
        var expired = new List<MemoryItem>();
        var filter = new MemoryFilter { States = AllStates };
        await foreach (var item in context.Memory.ListAsync(context.Actor, context.Cube.Id, filter, cancellationToken).ConfigureAwait(false))
        {
            run.Counters.Add("examined");
            if (!IsExpired(item, days, context.Now))
            {
                run.Counters.Add("kept");
            }
            else if (item.State == LifecycleState.Frozen)
            {
                run.Counters.Add("exempt");
            }
            else
            {
                expired.Add(item);
            }

            if (run.Counters["examined"] % ProgressEvery == 0)
            {
                run.Report(run.Counters["examined"], null);
            }
        }

        string reason = string.Create(CultureInfo.InvariantCulture, $"expired: cube TTL {days} d");
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<MemoryId> purged = expired.Select(i => i.Id).ToList();
        int examined = run.Counters["examined"];
        int total = context.DryRun ? examined : examined + purged.Count;
        if (!context.DryRun && purged.Count > 0)
        {
            // Loading and checking each expired memory takes store reads of its own, before the one transaction: reported
            // as it goes, never backwards (an attempt redone after a hold set meanwhile counts from zero again).
            run.Report(examined, total);
            int reported = 0;
            void Checked(int count)
            {
                if (count % ProgressEvery == 0 && count > reported)
                {
                    reported = count;
                    run.Report(examined + count, total);
                }
            }

            // One purge for the whole sweep: its clean-up (VACUUM) runs once, not once per expired memory.
            var (done, skipped) = await context.Memory.PurgeManyAsync(context.Actor, purged, reason, Checked, cancellationToken).ConfigureAwait(false);
            purged = done;
            for (int i = 0; i < skipped.Count; i++)
            {
                run.Counters.Add("conflicts"); // frozen or purged since it was listed
            }
        }

        foreach (var id in purged)
        {
            run.Counters.Add("purged");
            run.Act("purge", id, null, reason);
        }

        run.Report(total, total);
        return run.Result();
    }
}
