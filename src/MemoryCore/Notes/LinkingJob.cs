namespace AgentMem.MemoryCore.Notes;

/// <summary>
/// The <c>linking</c> maintenance job: every active memory of the cube that is not a linked note yet becomes a Zettelkasten
/// note (keywords, tags, context where missing) linked to its related notes, in creation order, with neighbours evolving
/// (see <see cref="NoteKeeper"/>). A memory whose only links are not note links (a merge's survivor or an updated fact
/// with its <c>supersedes</c> link, a caller's own) or whose only note links are back-links it got before its note was
/// built is built and linked too (<see cref="NoteKeeper.NeedsLinking"/>).
/// </summary>
public sealed class LinkingJob : IMaintenanceJob
{
    /// <summary>The job's name in <c>agentmem maintain --jobs</c>.</summary>
    public const string JobName = "linking";

    /// <summary>Notes written per transaction unless told otherwise.</summary>
    public const int DefaultBatchSize = 100;

    private readonly NoteKeeperOptions? options;
    private readonly INoteExtractor? extractor;
    private readonly int batchSize;

    /// <summary>
    /// Links with <paramref name="extractor"/> (rules when null) and <paramref name="options"/> (defaults when null),
    /// writing the versions of <paramref name="batchSize"/> notes and their neighbours per transaction (one commit each:
    /// a crash loses at most the batch in flight, which the next run links again).
    /// </summary>
    public LinkingJob(INoteExtractor? extractor = null, NoteKeeperOptions? options = null, int batchSize = DefaultBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        this.extractor = extractor;
        this.options = options;
        this.batchSize = batchSize;
    }

    /// <inheritdoc />
    public string Name => JobName;

    /// <inheritdoc />
    public string Description => "Turn memories that are not linked notes yet into notes (keywords, tags, context) and link them to related notes; neighbours evolve as new versions.";

    /// <inheritdoc />
    public async Task<MaintenanceJobResult> RunAsync(MaintenanceContext context, IProgress<MaintenanceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = new MaintenanceRun(Name, context, progress, "examined", "noted", "linked", "links", "evolved", "conflicts");
        var pending = new List<MemoryItem>();
        await foreach (var item in context.Memory.ListAsync(context.Actor, context.Cube.Id, new MemoryFilter { States = [LifecycleState.Active] }, cancellationToken).ConfigureAwait(false))
        {
            if (NoteKeeper.NeedsLinking(item))
            {
                pending.Add(item);
            }
        }

        // The keeper, and with it a dry run's indexes of what its notes would be, lasts this run only.
        using var keeper = new NoteKeeper(context.Memory, extractor, options);
        var dry = context.DryRun ? new NoteWrites(context.Memory, context.Actor) : null;
        var ordered = pending.OrderBy(i => i.Provenance.RecordedAt).ThenBy(i => i.Id.ToString(), StringComparer.Ordinal).Select(i => i.Id).ToList();
        foreach (var batch in ordered.Chunk(batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outcomes = await LinkAsync(keeper, context, dry, batch, run, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < batch.Length; i++)
            {
                run.Counters.Add("examined");
                if (outcomes[i] is not { } outcome)
                {
                    continue;
                }

                run.Counters.Add("noted");
                if (outcome.Links.Count > 0)
                {
                    run.Counters.Add("linked");
                    run.Counters.Add("links", outcome.Links.Count);
                    run.Counters.Add("evolved", outcome.Evolved);
                    foreach (var link in outcome.Links)
                    {
                        run.Act("link:" + link.Type, batch[i], link.Target, link.Reason ?? string.Empty);
                    }
                }
            }

            run.Report(run.Counters["examined"], pending.Count);
        }

        if (ordered.Count == 0)
        {
            run.Report(0, 0);
        }

        return run.Result();
    }

    /// <summary>
    /// Links a batch in one transaction; when one of its memories (or a neighbour) changed while the notes were built, the
    /// batch is redone one memory at a time and those that changed are left for the next run (null outcomes). A dry run
    /// (<paramref name="dry"/>, the versions its earlier batches planned) writes nothing, so nothing can conflict.
    /// </summary>
    private static async Task<IReadOnlyList<NoteOutcome?>> LinkAsync(NoteKeeper keeper, MaintenanceContext context, NoteWrites? dry, MemoryId[] batch, MaintenanceRun run, CancellationToken cancellationToken)
    {
        if (dry is not null)
        {
            // Later batches must see what earlier ones would have written, as a real run sees what they committed.
            return await keeper.LinkExistingAsync(context.Actor, batch, dry, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await keeper.LinkExistingAsync(context.Actor, batch, dryRun: false, cancellationToken).ConfigureAwait(false);
        }
        catch (AgentMemException ex) when (ChangedMeanwhile.Is(ex))
        {
            var outcomes = new NoteOutcome?[batch.Length];
            for (int i = 0; i < batch.Length; i++)
            {
                try
                {
                    outcomes[i] = await keeper.LinkExistingAsync(context.Actor, batch[i], dryRun: false, cancellationToken).ConfigureAwait(false);
                }
                catch (AgentMemException one) when (ChangedMeanwhile.Is(one))
                {
                    run.Counters.Add("conflicts");
                }
            }

            return outcomes;
        }
    }
}
