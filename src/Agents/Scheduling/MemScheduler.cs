using AgentMem.Agents.Activation;
using AgentMem.Agents.Parametric;
using AgentMem.Common;
using AgentMem.ModelHost;

namespace AgentMem.Agents.Scheduling;

/// <summary>
/// The scheduler at inference: moves a cube's memories between kinds by use. Plaintext is the default; memories recalled at
/// least <see cref="MemSchedulerOptions.HotRecallCount"/> times are hot and kept as activation memory (a KV cartridge, through
/// <see cref="ActivationMemoryScheduler"/>); sets of at least <see cref="MemSchedulerOptions.StableMinMemories"/> related memories
/// (sharing a tag) unedited for <see cref="MemSchedulerOptions.StableMinAge"/> are stable and trained into parametric memory (a
/// LoRA adapter, through <see cref="IAdapterTrainer"/> and <see cref="ParametricMemories"/>). Core memory blocks
/// (<see cref="CoreMemoryBlocks"/>) are never part of a stable set: each is one user's and agent's own, in their every prompt.
/// </summary>
/// <remarks>
/// <para>
/// Provenance: every derived memory lists its sources with their versions (<c>encodes:ID@VERSION,…</c>) and links to them, and is
/// written by <see cref="MemSchedulerOptions.Actor"/> with the reason it was made as its state reason; every transition is
/// returned with its reason.
/// </para>
/// <para>
/// Reversible: sources are never changed or removed, so demoting (<see cref="DemoteAsync"/>, or a set that stopped qualifying) only
/// archives the derived memory with the reason (kept in its history and the audit log) and its sources are plaintext again,
/// pasted into the context as before. A source edited or deleted makes its derived memory stale, archived on the next run.
/// The forgetting job leaves derived memories alone (nothing recalls them; a turn reinforces their sources): their lifetime
/// is the scheduler's.
/// </para>
/// <para>
/// A memory is in one kind at a time: a hot memory is not also trained into an adapter.
/// </para>
/// </remarks>
public sealed class MemScheduler
{
    private readonly MemoryOS memory;
    private readonly IAdapterTrainer trainer;
    private readonly ActivationMemoryScheduler activation;
    private readonly ParametricMemories parametric;
    private readonly LlamaModel model;

    /// <summary>Creates a scheduler that builds cartridges with <paramref name="generator"/> and adapters with <paramref name="trainer"/>.</summary>
    public MemScheduler(MemoryOS memory, Generator generator, IAdapterTrainer trainer, MemSchedulerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(trainer);
        Options = options ?? new MemSchedulerOptions();
        Options.Validate();
        this.memory = memory;
        this.trainer = trainer;
        model = generator.Model;
        activation = new ActivationMemoryScheduler(memory, generator, new ActivationSchedulerOptions
        {
            TopN = Options.HotTopN,
            MinRecallCount = Options.HotRecallCount,
            ReserveTokens = Options.ReserveTokens,
            Folder = Path.Combine(Options.Folder, "cartridges"),
            Actor = Options.Actor,
        });
        parametric = new ParametricMemories(memory, new ParametricMemoryOptions { Folder = Path.Combine(Options.Folder, "adapters"), Actor = Options.Actor });
    }

    /// <summary>The policy.</summary>
    public MemSchedulerOptions Options { get; }

    /// <summary>
    /// Applies the policy to <paramref name="cube"/>: archives stale derived memories, keeps the hot memories in a cartridge and
    /// each stable set in an adapter (reusing ones that still encode exactly them), and archives derived memories whose sources no
    /// longer qualify. Returns the transitions made, promotions and demotions.
    /// </summary>
    public async Task<IReadOnlyList<MemTransition>> RunAsync(Scope actor, string cube, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var transitions = new List<MemTransition>();
        var promotion = await activation.PromoteAsync(actor, cube, cancellationToken).ConfigureAwait(false);
        transitions.AddRange(promotion.Invalidated.Select(Demoted));
        if (promotion.Built && promotion.Cartridge is { } cartridge)
        {
            transitions.Add(new MemTransition(MemoryKind.Plaintext, MemoryKind.Activation, cartridge, [.. promotion.Sources.Select(s => s.Id)], cartridge.StateReason!));
        }

        transitions.AddRange((await parametric.RefreshAsync(actor, cube, cancellationToken).ConfigureAwait(false)).Select(Demoted));
        var hot = promotion.Sources.Select(s => s.Id).ToHashSet();
        var sets = await StableSetsAsync(actor, cube, hot, cancellationToken).ConfigureAwait(false);
        var wanted = sets.ToDictionary(s => ActivationSources.Format(s.Members), StringComparer.Ordinal);
        // An adapter covers a stable set for this model when this model loads it (the loader's own test: an int8 model takes
        // its float twin's adapters). Another model's adapter of a set still stable is kept (right for that model, skipped
        // by the loader here) but covers nothing: this model gets its own. Counted as this model's, it answered "covered"
        // after a switch of checkpoint while nothing could load it.
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in await parametric.ListAsync(actor, cube, cancellationToken).ConfigureAwait(false))
        {
            if (item.Provenance.Actor != Options.Actor)
            {
                continue; // another writer's adapter
            }

            string encoded = item.Provenance.SourceRef ?? string.Empty;
            if (wanted.ContainsKey(encoded) && (!LoadsHere(item) || covered.Add(encoded)))
            {
                continue;
            }

            transitions.Add(await DemoteAsync(actor, item.Id, "the memories it was trained from are no longer a stable set", cancellationToken).ConfigureAwait(false));
        }

        foreach (var (tag, members) in wanted.Where(w => !covered.Contains(w.Key)).Select(w => w.Value))
        {
            string reason = string.Create(CultureInfo.InvariantCulture, $"stable: {members.Count} memories tagged '{tag}', unedited for at least {Options.StableMinAge.TotalDays:0.##} days");
            var adapter = await trainer.TrainAsync([.. members.Select(m => m.Text.Trim())], cancellationToken).ConfigureAwait(false);
            var derived = await parametric.RegisterAsync(actor, cube, adapter, members, reason, cancellationToken).ConfigureAwait(false);
            transitions.Add(new MemTransition(MemoryKind.Plaintext, MemoryKind.Parametric, derived, [.. members.Select(m => m.Id)], reason));
        }

        return transitions;
    }

    // Whether the adapter fits this model's weights, whatever the backend: on ILGPU the loader skips adapters, but answering
    // false here would have every run train the set again into one more adapter it skips.
    private bool LoadsHere(MemoryItem adapter)
    {
        try
        {
            _ = ParametricMemories.LoadAdapter(adapter, model);
            return true;
        }
        catch (Exception ex) when (ex is ModelFormatException or IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Takes activation or parametric memory <paramref name="derived"/> back: archives it with <paramref name="reason"/> (kept in
    /// its history and the audit log); its sources, never changed, are plaintext again.
    /// </summary>
    /// <exception cref="MemoryStateException">The memory is not an activation or parametric memory.</exception>
    public async Task<MemTransition> DemoteAsync(Scope actor, MemoryId derived, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var item = await memory.GetAsync(actor, derived, cancellationToken).ConfigureAwait(false);
        if (item.Kind is not (MemoryKind.Activation or MemoryKind.Parametric))
        {
            throw new MemoryStateException($"Memory {derived} is a {item.Kind} memory; only activation and parametric memories are demoted.");
        }

        var archived = await memory.SetStateAsync(actor, derived, LifecycleState.Archived, "demoted: " + reason.Trim(), cancellationToken).ConfigureAwait(false);
        return Demoted(archived);
    }

    private static MemTransition Demoted(MemoryItem archived) =>
        new(archived.Kind, MemoryKind.Plaintext, archived, [.. ActivationSources.Of(archived).Select(s => s.Id)], archived.StateReason ?? "archived");

    /// <summary>Active, unedited, old enough plaintext memories but core blocks, grouped by a shared tag; a memory joins its first qualifying tag only.</summary>
    private async Task<List<(string Tag, List<MemoryItem> Members)>> StableSetsAsync(Scope actor, string cube, HashSet<MemoryId> hot, CancellationToken cancellationToken)
    {
        var cutoff = memory.TimeProvider.GetUtcNow() - Options.StableMinAge;
        var candidates = new List<MemoryItem>();
        var filter = new MemoryFilter { Kind = MemoryKind.Plaintext, States = [LifecycleState.Active] };
        await foreach (var item in memory.ListAsync(actor, cube, filter, cancellationToken).ConfigureAwait(false))
        {
            // Edited memories are still changing, and hot ones are activation memory already. A core block is its user's and
            // agent's own and in their every prompt already: trained into an adapter, which every user of the cube loads, it
            // put one user's private text into another's model.
            if (item.Version == 1 && item.UpdatedAt <= cutoff && !hot.Contains(item.Id) && item.RecallCount < Options.HotRecallCount && !CoreMemoryBlocks.IsBlock(item))
            {
                candidates.Add(item);
            }
        }

        var sets = new List<(string, List<MemoryItem>)>();
        var taken = new HashSet<MemoryId>();
        var tags = candidates.SelectMany(m => m.Tags).Where(t => !Options.UnrelatedTags.Contains(t, StringComparer.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase);
        foreach (string tag in tags)
        {
            var members = candidates.Where(m => !taken.Contains(m.Id) && m.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
                .OrderBy(m => m.Id.ToString(), StringComparer.Ordinal).ToList();
            if (members.Count >= Options.StableMinMemories)
            {
                taken.UnionWith(members.Select(m => m.Id));
                sets.Add((tag, members));
            }
        }

        return sets;
    }
}
