namespace AgentMem.MemoryCore.Notes;

/// <summary>
/// The <c>linking</c> maintenance job: every active memory of the cube without links becomes a Zettelkasten note (keywords,
/// tags, context where missing) linked to its related notes, in creation order, with neighbours evolving (see <see cref="NoteKeeper"/>).
/// </summary>
public sealed class LinkingJob : IMaintenanceJob
{
    /// <summary>The job's name in <c>agentmem maintain --jobs</c>.</summary>
    public const string JobName = "linking";

    private const int ProgressEvery = 100;
    private readonly NoteKeeperOptions? options;
    private readonly INoteExtractor? extractor;

    /// <summary>Links with <paramref name="extractor"/> (rules when null) and <paramref name="options"/> (defaults when null).</summary>
    public LinkingJob(INoteExtractor? extractor = null, NoteKeeperOptions? options = null)
    {
        this.extractor = extractor;
        this.options = options;
    }

    /// <inheritdoc />
    public string Name => JobName;

    /// <inheritdoc />
    public string Description => "Turn unlinked memories into notes (keywords, tags, context) and link them to related notes; neighbours evolve as new versions.";

    /// <inheritdoc />
    public async Task<MaintenanceJobResult> RunAsync(MaintenanceContext context, IProgress<MaintenanceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = new MaintenanceRun(Name, context, progress, "examined", "noted", "linked", "links", "evolved");
        var pending = new List<MemoryItem>();
        await foreach (var item in context.Memory.ListAsync(context.Actor, context.Cube.Id, new MemoryFilter { States = [LifecycleState.Active] }, cancellationToken).ConfigureAwait(false))
        {
            if (item.Links.Count == 0)
            {
                pending.Add(item);
            }
        }

        using var keeper = new NoteKeeper(context.Memory, extractor, options);
        foreach (var item in pending.OrderBy(i => i.Provenance.RecordedAt).ThenBy(i => i.Id.ToString(), StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            run.Counters.Add("examined");
            var outcome = await keeper.LinkExistingAsync(context.Actor, item.Id, context.DryRun, cancellationToken).ConfigureAwait(false);
            if (outcome is not null)
            {
                run.Counters.Add("noted");
                if (outcome.Links.Count > 0)
                {
                    run.Counters.Add("linked");
                    run.Counters.Add("links", outcome.Links.Count);
                    run.Counters.Add("evolved", outcome.Evolved);
                    foreach (var link in outcome.Links)
                    {
                        run.Act("link:" + link.Type, item.Id, link.Target, link.Reason ?? string.Empty);
                    }
                }
            }

            if (run.Counters["examined"] % ProgressEvery == 0)
            {
                run.Report(run.Counters["examined"], pending.Count);
            }
        }

        run.Report(run.Counters["examined"], pending.Count);
        return run.Result();
    }
}
