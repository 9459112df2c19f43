using AgentMem.Common.Text;
using AgentMem.MemoryCore.Links;

namespace AgentMem.MemoryCore.Facts;

/// <summary>The outcome of <see cref="FactResolver.ResolveAsync"/>.</summary>
/// <param name="Decision">The decision applied (after validation: a decision naming no valid candidate becomes ADD).</param>
/// <param name="Stored">The memory that now holds the fact: the new one for ADD and UPDATE, the known one for NOOP; null for DELETE.</param>
/// <param name="Invalidated">The fact superseded by an UPDATE or invalidated by a DELETE.</param>
/// <param name="Candidates">How many stored facts the new one was compared with.</param>
public sealed record FactResolution(FactDecision Decision, MemoryId? Stored, MemoryId? Invalidated, int Candidates);

/// <summary>Options of <see cref="FactResolver"/>.</summary>
public sealed record FactResolverOptions
{
    /// <summary>How many nearest stored facts a new fact is compared with (default 5).</summary>
    public int Candidates { get; init; } = 5;

    /// <summary>Only memories with one of these tags are facts to compare with; null compares with every live memory.</summary>
    public IReadOnlyList<string>? CandidateTags { get; init; }

    /// <summary>
    /// Only facts written for the acting user are compared with (when the actor names one): facts about "the user" in a
    /// cube that several users share are each user's own, and one user's new fact superseded or absorbed another's.
    /// Default false: every fact of the cube.
    /// </summary>
    public bool ActingUsersOwn { get; init; }

    /// <summary>Whether a NOOP records a recall of the known fact (being told again reinforces it; default true).</summary>
    public bool ReinforceOnNoop { get; init; } = true;
}

/// <summary>
/// Conflict-aware fact writes (Mem0): a new fact is compared with its nearest live facts in the cube and
/// classified ADD / UPDATE / DELETE / NOOP. UPDATE stores the new fact linked
/// <see cref="LinkTypes.Supersedes"/> to the old, which becomes <see cref="LifecycleState.Superseded"/>
/// (event end set, reason recorded, linked <see cref="LinkTypes.SupersededBy"/> back); DELETE only
/// invalidates the old fact. Once an UPDATE's new fact is stored the rest of it is not cancelled; an old fact superseded
/// meanwhile leaves the update standing, one frozen, deleted or purged meanwhile makes it an ADD (the new fact keeps no
/// <see cref="LinkTypes.Supersedes"/> link to it). Nothing is hard-deleted: the chain stays in history
/// (<see cref="FactChains.GetFactChainAsync"/>), and default search sees only the current fact.
/// </summary>
public sealed class FactResolver
{
    private readonly MemoryOS memory;
    private readonly IFactClassifier classifier;
    private readonly FactResolverOptions options;

    /// <summary>Creates a resolver; <paramref name="classifier"/> defaults to the offline <see cref="RuleFactClassifier"/>.</summary>
    public FactResolver(MemoryOS memory, IFactClassifier? classifier = null, FactResolverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        this.memory = memory;
        this.classifier = classifier ?? new RuleFactClassifier();
        this.options = options ?? new FactResolverOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(this.options.Candidates, 1, nameof(FactResolverOptions.Candidates));
    }

    /// <summary>
    /// Classifies <paramref name="fact"/> against the cube's facts and applies the decision.
    /// <paramref name="evidence"/>, if given, is the memory the fact came from (e.g. the dialogue turn); a
    /// DELETE links the invalidated fact to it.
    /// </summary>
    public async Task<FactResolution> ResolveAsync(Scope actor, string cube, MemoryDraft fact, MemoryId? evidence = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fact);
        var filter = new MemoryFilter { AnyTags = options.CandidateTags, User = options.ActingUsersOwn ? actor.User : null };
        var hits = string.IsNullOrWhiteSpace(fact.Text)
            ? []
            : await memory.SearchAsync(actor, cube, fact.Text, new SearchOptions { K = options.Candidates, Filter = filter, RecordRecall = false }, cancellationToken).ConfigureAwait(false);
        var candidates = hits.Select(h => h.Item).ToList();
        var decision = Validate(await classifier.ClassifyAsync(fact.Text, candidates, cancellationToken).ConfigureAwait(false), candidates);
        var now = memory.TimeProvider.GetUtcNow();

        switch (decision.Action)
        {
            case FactAction.Noop:
                if (decision.Target is { } known && options.ReinforceOnNoop)
                {
                    await memory.RecordRecallAsync(actor, [known], cancellationToken).ConfigureAwait(false);
                }

                return new FactResolution(decision, decision.Target, null, candidates.Count);

            case FactAction.Delete:
            {
                var target = decision.Target!.Value;
                IReadOnlyList<MemoryLink> links = evidence is { } e ? [new MemoryLink(e, LinkTypes.InvalidatedBy)] : [];
                await memory.SupersedeAsync(actor, target, $"invalidated: \"{Clip(fact.Text)}\" ({decision.Reason}; {decision.Classifier})", links, fact.ValidFrom ?? now, cancellationToken: cancellationToken).ConfigureAwait(false);
                return new FactResolution(decision, null, target, candidates.Count);
            }

            case FactAction.Update:
            {
                var target = decision.Target!.Value;
                var draft = fact with { Links = [.. fact.Links, new MemoryLink(target, LinkTypes.Supersedes)] };
                // The target may be purged while the classifier ran: the link is dropped, and the supersede below finds out.
                var added = await memory.AddFromJobAsync(actor, cube, draft, new HashSet<MemoryId> { target }, cancellationToken).ConfigureAwait(false);
                if (added.Id == target)
                {
                    // The "new" fact is the target's own text (de-duplicated to it): superseding it would point it at itself.
                    var same = new FactDecision(FactAction.Noop, target, $"{decision.Reason}; the text is the fact's own, nothing to change", decision.Classifier);
                    if (options.ReinforceOnNoop)
                    {
                        await memory.RecordRecallAsync(actor, [target], cancellationToken).ConfigureAwait(false);
                    }

                    return new FactResolution(same, target, null, candidates.Count);
                }

                // The new fact has committed: what completes the update is not cancelled, or a cancellation here left both
                // the old fact and the new one current.
                if (!added.Created)
                {
                    // The text was stored already and is no live candidate (forgotten): that memory becomes the current fact,
                    // so it is restored and takes the link the draft would have carried.
                    await memory.RestoreRestatedAsync(actor, [added], CancellationToken.None).ConfigureAwait(false);
                    await LinkSupersedesAsync(actor, added.Id, target, CancellationToken.None).ConfigureAwait(false);
                }

                try
                {
                    await memory.SupersedeAsync(actor, target, $"superseded by {added.Id}: \"{Clip(fact.Text)}\" ({decision.Reason}; {decision.Classifier})", [new MemoryLink(added.Id, LinkTypes.SupersededBy)], fact.ValidFrom ?? now, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is MemoryStateException or MemoryFrozenException or MemoryNotFoundException)
                {
                    if (await TargetChangedAsync(actor, decision, added.Id, target, candidates.Count).ConfigureAwait(false) is { } changed)
                    {
                        return changed;
                    }

                    throw;
                }

                return new FactResolution(decision, added.Id, target, candidates.Count);
            }

            default:
            {
                var added = await memory.AddAsync(actor, cube, fact, cancellationToken).ConfigureAwait(false);
                await memory.RestoreRestatedAsync(actor, [added], CancellationToken.None).ConfigureAwait(false); // a forgotten copy, told again (the add has committed)
                return new FactResolution(decision, added.Id, null, candidates.Count);
            }
        }
    }

    /// <summary>
    /// The outcome of an UPDATE whose target changed between the classification and the supersede, which was refused: one
    /// superseded meanwhile (another update) is retired all the same, so the update stands; one frozen, deleted or purged
    /// meanwhile is not replaced, so the new fact loses its supersedes link to it and the outcome is an ADD. Null when the
    /// target did not change so (the refusal had another cause).
    /// </summary>
    private async Task<FactResolution?> TargetChangedAsync(Scope actor, FactDecision decision, MemoryId added, MemoryId target, int candidates)
    {
        MemoryItem? old;
        try
        {
            old = await memory.GetAsync(actor, target, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MemoryNotFoundException)
        {
            old = null; // purged (a TTL sweep, a forget): gone for good, which a delete is too
        }

        string state = old?.State.ToString().ToLowerInvariant() ?? "purged";
        switch (old?.State)
        {
            case LifecycleState.Superseded:
                return new FactResolution(decision with { Reason = $"{decision.Reason}; it was superseded meanwhile" }, added, target, candidates);
            case null or LifecycleState.Frozen or LifecycleState.Deleted:
            {
                var item = await memory.GetAsync(actor, added, CancellationToken.None).ConfigureAwait(false);
                if (item.State != LifecycleState.Frozen && item.Links.Any(l => IsSupersedes(l, target)))
                {
                    await memory.UpdateAsync(actor, added, new MemoryChange { Links = [.. item.Links.Where(l => !IsSupersedes(l, target))], Reason = $"{target} became {state}: not superseded" }, CancellationToken.None).ConfigureAwait(false);
                }

                return new FactResolution(new FactDecision(FactAction.Add, null, $"{decision.Action} of a fact that became {state} meanwhile is not allowed; added instead", decision.Classifier), added, null, candidates);
            }

            default:
                return null;
        }
    }

    private static bool IsSupersedes(MemoryLink link, MemoryId older) =>
        link.Target == older && string.Equals(link.Type, LinkTypes.Supersedes, StringComparison.Ordinal);

    private async Task LinkSupersedesAsync(Scope actor, MemoryId newer, MemoryId older, CancellationToken cancellationToken)
    {
        var item = await memory.GetAsync(actor, newer, cancellationToken).ConfigureAwait(false);
        if (item.State == LifecycleState.Frozen || item.Links.Any(l => IsSupersedes(l, older)))
        {
            return; // a frozen memory is not rewritten; it is current all the same
        }

        await memory.UpdateAsync(actor, newer, new MemoryChange { Links = [.. item.Links, new MemoryLink(older, LinkTypes.Supersedes)], Reason = "restated: supersedes " + older }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps a decision only if it is applicable: its target must be one of the candidates, and an
    /// UPDATE or DELETE must not target a frozen fact (frozen facts are immutable). Otherwise it becomes ADD.
    /// </summary>
    private static FactDecision Validate(FactDecision decision, List<MemoryItem> candidates)
    {
        if (decision.Action == FactAction.Add)
        {
            return decision with { Target = null };
        }

        var target = decision.Target is { } id ? candidates.Find(c => c.Id == id) : null;
        if (target is null)
        {
            return decision.Action == FactAction.Noop && decision.Target is null
                ? decision
                : new FactDecision(FactAction.Add, null, $"{decision.Action} named no stored candidate; added instead", decision.Classifier);
        }

        if (decision.Action is FactAction.Update or FactAction.Delete && target.State != LifecycleState.Active)
        {
            return new FactDecision(FactAction.Add, null, $"{decision.Action} of a {target.State.ToString().ToLowerInvariant()} fact is not allowed; added instead", decision.Classifier);
        }

        return decision;
    }

    private static string Clip(string text) => text.Length <= 120 ? text.Trim() : string.Concat(TextClip.Prefix(text, 117).Trim(), "...");
}
