namespace AgentMem.MemoryCore.Forgetting;

/// <summary>Options of <see cref="ForgettingJob"/>.</summary>
public sealed record ForgettingOptions
{
    /// <summary>
    /// Memories with any of these tags are never archived (default <c>core-block</c>: an agent's core memory blocks, which
    /// are in every prompt rather than recalled, so the curve faded them however recently they were edited).
    /// </summary>
    public IReadOnlyList<string> ExcludeTags { get; init; } = ["core-block"];
}

/// <summary>
/// <c>forgetting</c>: archives the cube's active memories that have faded. A memory fades when its
/// retention <c>e^(−t/S)</c> (<see cref="ForgettingCurve"/>) is below the cube's
/// <see cref="Cubes.CubePolicy.ForgettingThreshold"/>, or when it has not been recalled for more than the
/// cube's <see cref="Cubes.CubePolicy.RetentionDays"/>. Archiving is a new version with the reason; the
/// memory leaves default retrieval but can be restored, and nothing is deleted. Frozen memories and those with a tag of
/// <see cref="ForgettingOptions.ExcludeTags"/> are exempt, and so are activation and parametric memories (a KV cartridge, a
/// LoRA adapter): their lifetime follows their sources, which a turn recalls in their place, and their scheduler archives
/// them once those sources change or stop qualifying.
/// Counters: <c>examined</c>, <c>archived</c>, <c>exempt</c> (frozen, excluded or derived), <c>kept</c> (not faded, or recalled
/// since it was listed), <c>conflicts</c> (changed meanwhile).
/// Progress: <see cref="MaintenanceProgress.Done"/> counts the memories listed, every 200 (total not yet known), then,
/// unless a dry run, also the faded ones written, as each archive transaction commits, out of a total of both.
/// </summary>
public sealed class ForgettingJob : IMaintenanceJob
{
    /// <summary>The job's name.</summary>
    public const string JobName = "forgetting";

    private const int ProgressEvery = 200;

    // Memories archived per transaction: one commit each batch instead of one each memory.
    private const int BatchSize = 500;

    private readonly ForgettingOptions options;

    /// <summary>Creates the job.</summary>
    public ForgettingJob(ForgettingOptions? options = null) => this.options = options ?? new ForgettingOptions();

    /// <inheritdoc/>
    public string Name => JobName;

    /// <inheritdoc/>
    public string Description => "Archive memories whose forgetting-curve retention fell below the cube's threshold (frozen, core-block, cartridge and adapter ones exempt).";

    /// <inheritdoc/>
    public async Task<MaintenanceJobResult> RunAsync(MaintenanceContext context, IProgress<MaintenanceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = new MaintenanceRun(Name, context, progress, "examined", "archived", "exempt", "kept", "conflicts");
        var policy = context.Cube.Policy;
        if (policy.ForgettingThreshold is null && policy.RetentionDays <= 0)
        {
            // The cube never forgets: nothing to examine.
            run.Report(0, 0);
            return run.Result();
        }

        var faded = new List<(MemoryItem Item, string Reason)>();
        var filter = new MemoryFilter { States = [LifecycleState.Active, LifecycleState.Frozen] };
        await foreach (var item in context.Memory.ListAsync(context.Actor, context.Cube.Id, filter, cancellationToken).ConfigureAwait(false))
        {
            run.Counters.Add("examined");
            if (Exempt(item))
            {
                run.Counters.Add("exempt");
            }
            else if (Why(item, policy.ForgettingThreshold, policy.RetentionDays, context.Now) is { } reason)
            {
                faded.Add((item, reason));
            }
            else
            {
                run.Counters.Add("kept");
            }

            if (run.Counters["examined"] % ProgressEvery == 0)
            {
                run.Report(run.Counters["examined"], null);
            }
        }

        // The archive transactions take most of the run: each is reported as it commits, out of a total of the memories
        // listed and those to archive, as the expiry job reports its purge (never at the total before the end).
        int examined = run.Counters["examined"];
        int total = context.DryRun ? examined : examined + faded.Count;
        if (!context.DryRun && faded.Count > 0)
        {
            run.Report(examined, total);
        }

        int written = 0;
        foreach (var batch in faded.Chunk(BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var archived = context.DryRun ? batch : await ArchiveAsync(context, batch, run, cancellationToken).ConfigureAwait(false);
            foreach (var (item, reason) in archived)
            {
                run.Counters.Add("archived");
                run.Act("archive", item.Id, null, reason);
            }

            written += batch.Length;
            if (!context.DryRun && written < faded.Count)
            {
                run.Report(examined + written, total);
            }
        }

        run.Report(total, total);
        return run.Result();
    }

    // Nothing recalls a cartridge or an adapter (a turn reinforces their sources), so the curve faded them days after they
    // were made while their sources were used every day: the model lost them and the scheduler made them again each time.
    private bool Exempt(MemoryItem item) =>
        item.State == LifecycleState.Frozen
        || item.Kind is MemoryKind.Activation or MemoryKind.Parametric
        || item.Tags.Any(t => options.ExcludeTags.Contains(t, StringComparer.OrdinalIgnoreCase));

    /// <summary>The archive of a listed memory, refused if it changed since it was listed (deleted, superseded, edited).</summary>
    private static MemoryStateChange Archiving((MemoryItem Item, string Reason) faded) =>
        new(faded.Item.Id, LifecycleState.Archived, faded.Reason) { ExpectedVersion = faded.Item.Version };

    /// <summary>
    /// Archives a batch in one transaction; when one of it changed since it was listed (frozen, deleted, purged or written
    /// meanwhile), the batch is redone one by one and the changed ones are left for the next run. One recalled since it was
    /// listed (in place, no new version) is judged again as the write loads it, and kept when it no longer fades. Returns
    /// those archived, with the reason recorded.
    /// </summary>
    private static async Task<IReadOnlyList<(MemoryItem Item, string Reason)>> ArchiveAsync(MaintenanceContext context, (MemoryItem Item, string Reason)[] batch, MaintenanceRun run, CancellationToken cancellationToken)
    {
        var policy = context.Cube.Policy;
        string? StillFaded(MemoryItem current) => Why(current, policy.ForgettingThreshold, policy.RetentionDays, context.Now);

        async Task<IReadOnlyList<(MemoryItem Item, string Reason)>> WriteAsync((MemoryItem Item, string Reason)[] part)
        {
            var after = await context.Memory.SetStateManyAsync(context.Actor, [.. part.Select(Archiving)], StillFaded, cancellationToken).ConfigureAwait(false);
            var archived = new List<(MemoryItem, string)>(part.Length);
            foreach (var item in after)
            {
                if (item.State == LifecycleState.Archived)
                {
                    archived.Add((item, item.StateReason ?? string.Empty));
                }
                else
                {
                    run.Counters.Add("kept");
                }
            }

            return archived;
        }

        try
        {
            return await WriteAsync(batch).ConfigureAwait(false);
        }
        catch (AgentMemException ex) when (ChangedMeanwhile.Is(ex) && batch.Length > 1)
        {
            var archived = new List<(MemoryItem, string)>(batch.Length);
            foreach (var one in batch)
            {
                try
                {
                    archived.AddRange(await WriteAsync([one]).ConfigureAwait(false));
                }
                catch (AgentMemException changed) when (ChangedMeanwhile.Is(changed))
                {
                    run.Counters.Add("conflicts");
                }
            }

            return archived;
        }
        catch (AgentMemException ex) when (ChangedMeanwhile.Is(ex))
        {
            run.Counters.Add("conflicts");
            return [];
        }
    }


    /// <summary>Why <paramref name="item"/> should be forgotten at <paramref name="now"/> under the policy, or null to keep it.</summary>
    public static string? Why(MemoryItem item, double? threshold, int retentionDays, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(item);
        double elapsed = ForgettingCurve.ElapsedDays(item, now);
        double retention = ForgettingCurve.Retention(elapsed, item.Strength);
        string since = item.LastRecalledAt is null ? "since recorded" : "since last recall";
        if (threshold is { } th && retention < th)
        {
            return string.Create(CultureInfo.InvariantCulture, $"forgotten: retention {retention:0.####} < {th:0.####} (strength {item.Strength:0.##} d, {elapsed:0.#} d {since}, {item.RecallCount} recall(s))");
        }

        if (retentionDays > 0 && elapsed > retentionDays)
        {
            return string.Create(CultureInfo.InvariantCulture, $"forgotten: not recalled for {elapsed:0.#} d {since} (cube retention {retentionDays} d)");
        }

        return null;
    }
}
