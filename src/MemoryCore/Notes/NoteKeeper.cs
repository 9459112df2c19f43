using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore.Notes;

/// <summary>
/// Adds memories as Zettelkasten notes (A-MEM) on top of <see cref="MemoryOS"/>: each note gets keywords, tags, a context
/// sentence and a category from an <see cref="INoteExtractor"/>, typed links to the most related notes of its cube
/// (<see cref="NoteLinker"/>), and its neighbours evolve: they get the back-link and, when strongly linked, the new note's
/// topic tags (those its extractor found; see <see cref="Topics"/>), each as a new version whose reason says why. Writes go through <see cref="MemoryOS"/>, so access rules, history
/// and audit apply as for any other write.
/// </summary>
/// <remarks>
/// The link index of a cube is built on first use and kept; each call first reads the cube's change feed from where the
/// index was last in step, so notes edited, archived, deleted or purged since (by this process or any other) are
/// re-indexed or dropped before anything links to them. When more memories changed than the index holds, it is rebuilt.
/// </remarks>
public sealed class NoteKeeper : IDisposable
{
    private readonly MemoryOS memory;
    private readonly INoteExtractor extractor;
    private readonly NoteKeeperOptions options;
    /// <summary>Changed memories read from the feed before a rebuild is cheaper, however small the cube.</summary>
    private const int CatchUpMinimum = 1000;

    private readonly Dictionary<(string Tenant, string Cube), CubeLinks> linkers = [];
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>How often <see cref="AddAsync"/> evolves the new note's neighbours when another writer changes one meanwhile.</summary>
    public const int MaxEvolveAttempts = 3;

    // The extractor's labels join a memory's own only up to the facade's limit (MemoryOSOptions.MaxLabels): past it, the
    // note's add, its linking or a neighbour's evolution was refused.
    private int MaxKeywords => memory.Options.MaxLabels;

    private int MaxTags => Math.Min(options.MaxTags, memory.Options.MaxLabels);

    /// <summary>Adds notes to <paramref name="memory"/>, extracting attributes with <paramref name="extractor"/> (the rule-based one when null).</summary>
    public NoteKeeper(MemoryOS memory, INoteExtractor? extractor = null, NoteKeeperOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        this.memory = memory;
        this.extractor = extractor ?? new RuleNoteExtractor();
        this.options = options ?? new NoteKeeperOptions();
        this.options.Validate();
    }

    /// <summary>
    /// Builds the note for <paramref name="draft"/> (its own keywords, tags and context are kept and extended), links it,
    /// stores it and evolves its neighbours. Returns the outcome and the links the new note got.
    /// </summary>
    /// <exception cref="MemoryStateException">Neighbours kept changing while they evolved (<see cref="MaxEvolveAttempts"/> times); the note itself is stored.</exception>
    public async Task<NoteOutcome> AddAsync(Scope actor, string cube, MemoryDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(draft);
        var target = await memory.OpenCubeAsync(actor, cube, cancellationToken).ConfigureAwait(false);
        // Without a time of its own the memory is valid from when it is recorded, as the store will make it: now.
        var attributes = await extractor.ExtractAsync(Input(draft.Text, draft.Actor, actor, draft.ValidFrom ?? memory.TimeProvider.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        var keywords = Union(draft.Keywords, attributes.Keywords, MaxKeywords);
        var tags = Union(draft.Tags, attributes.Tags, MaxTags);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var linker = await LinkerAsync(actor, target, cancellationToken).ConfigureAwait(false);
            var links = SuggestNew(linker, draft.Text, draft.Actor, keywords, tags, draft.Links);
            var note = draft with
            {
                Keywords = keywords,
                Tags = tags,
                Context = draft.Context ?? attributes.Context,
                Links = [.. draft.Links, .. links],
            };
            // Suggestions come from the linker's view of the cube: one purged since is dropped, not a refusal of the note.
            var outcome = await memory.AddFromJobAsync(actor, target.Id, note, links.Select(l => l.Target).ToHashSet(), cancellationToken).ConfigureAwait(false);
            if (!outcome.Created)
            {
                return new NoteOutcome(outcome, [], 0);
            }

            var stored = await memory.GetAsync(actor, outcome.Id, cancellationToken).ConfigureAwait(false);
            linker.Index(stored);
            for (int attempt = 1; ; attempt++)
            {
                var writes = new NoteWrites(memory, actor);
                int evolved = await EvolveAllAsync(stored, Topics(tags, attributes), links, linker, writes, cancellationToken).ConfigureAwait(false);
                try
                {
                    await writes.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return new NoteOutcome(outcome, links, evolved);
                }
                catch (AgentMemException ex) when (ChangedMeanwhile.Is(ex) && attempt < MaxEvolveAttempts)
                {
                    // A neighbour changed since it was read: the note is stored; its neighbours evolve again from what
                    // they are now (the index, holding the versions planned, is read again from the store).
                    linkers.Remove((actor.Tenant, target.Id));
                    linker = await LinkerAsync(actor, target, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            // The index may hold versions that were planned but not written: rebuild it from the store next time.
            linkers.Remove((actor.Tenant, target.Id));
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Turns an existing memory into a linked note (the maintenance path for memories added without <see cref="AddAsync"/>):
    /// missing keywords, tags and context are extracted, links to related notes are added beside the links it has, neighbours
    /// evolve. One new version with the reason; null when it is not active, is a note with note links already
    /// (<see cref="NeedsLinking"/>), or is already a note with nothing to link to (no version that would change nothing). With <paramref name="dryRun"/>, nothing is written and the links it would get
    /// are returned.
    /// </summary>
    public async Task<NoteOutcome?> LinkExistingAsync(Scope actor, MemoryId id, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var outcomes = await LinkExistingAsync(actor, [id], dryRun, cancellationToken).ConfigureAwait(false);
        return outcomes[0];
    }

    /// <summary>
    /// <see cref="LinkExistingAsync(Scope, MemoryId, bool, CancellationToken)"/> for several memories, in order, with every
    /// version they and their neighbours get written in one transaction: the same notes and links as one call each, at
    /// the cost of one commit. All are written, or none. Returns one outcome per id (null where it was skipped).
    /// </summary>
    public Task<IReadOnlyList<NoteOutcome?>> LinkExistingAsync(Scope actor, IReadOnlyList<MemoryId> ids, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return LinkExistingAsync(actor, ids, dryRun ? new NoteWrites(memory, actor) : null, keepIndexes: false, cancellationToken);
    }

    /// <summary>
    /// A dry run over several calls (the linking job's batches): each call plans into <paramref name="dryRun"/>, sees what
    /// the earlier calls would have written (notes, links, evolved neighbours) and keeps the indexes holding it, exactly as
    /// a real run sees what its earlier batches committed. Nothing is written; the caller drops this keeper (or calls
    /// <see cref="Reset"/>) when the run is over.
    /// </summary>
    internal Task<IReadOnlyList<NoteOutcome?>> LinkExistingAsync(Scope actor, IReadOnlyList<MemoryId> ids, NoteWrites dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(dryRun);
        return LinkExistingAsync(actor, ids, dryRun, keepIndexes: true, cancellationToken);
    }

    private async Task<IReadOnlyList<NoteOutcome?>> LinkExistingAsync(Scope actor, IReadOnlyList<MemoryId> ids, NoteWrites? dryRun, bool keepIndexes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);

        // Read and extract first, outside the gate: an LLM extractor is slow and needs no index. A dry run reads through
        // what it planned: a memory an earlier call built is a note already.
        var items = await memory.GetManyAsync(actor, ids, cancellationToken).ConfigureAwait(false);
        var extracted = new NoteAttributes?[ids.Count];
        for (int i = 0; i < ids.Count; i++)
        {
            var item = dryRun?.Planned(ids[i]) ?? items[i];
            if (NeedsLinking(item) && !IsBuilt(item))
            {
                extracted[i] = await extractor.ExtractAsync(Input(item.Text, item.Provenance.Actor, item.Scope, item.ValidFrom ?? item.Provenance.RecordedAt), cancellationToken).ConfigureAwait(false);
            }
        }

        var outcomes = new NoteOutcome?[ids.Count];

        // A dry run plans exactly what a real one would (neighbours evolve too: their new tags and back-links change what
        // later notes link to), and writes none of it.
        var writes = dryRun ?? new NoteWrites(memory, actor);
        var cubes = new Dictionary<string, (MemCube Cube, NoteLinker Linker)>(StringComparer.Ordinal);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int i = 0; i < ids.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // An earlier note of this call (or of the dry run) may have evolved it: a back-link makes it linked, not a
                // note, so one whose note is not built yet is still built (keeping the back-link) and gets its own links.
                var item = writes.Planned(ids[i]) ?? items[i];
                if (!NeedsLinking(item))
                {
                    continue;
                }

                if (!cubes.TryGetValue(item.CubeId, out var target))
                {
                    // In step with the store once per cube and call: later items see this call's planned versions.
                    var cube = await memory.OpenCubeAsync(actor, item.CubeId, cancellationToken).ConfigureAwait(false);
                    cubes[item.CubeId] = target = (cube, await LinkerAsync(actor, cube, cancellationToken).ConfigureAwait(false));
                }

                outcomes[i] = await LinkOneAsync(item, target.Linker, extracted[i], writes, cancellationToken).ConfigureAwait(false);
            }

            if (dryRun is null)
            {
                await writes.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (!keepIndexes)
            {
                // The indexes hold what the notes would have become: nothing the store will ever say otherwise about.
                Forget(actor.Tenant, cubes.Keys);
            }

            return outcomes;
        }
        catch
        {
            // The indexes may hold versions that were planned but not written: rebuild them from the store next time.
            Forget(actor.Tenant, cubes.Keys);
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A note with the notes it links to and the notes of its cube that link to it, one hop (for <c>agentmem links</c>); see <see cref="MemoryOS.GetNeighborhoodAsync(Scope, MemoryId, CancellationToken)"/>.</summary>
    public Task<NoteNeighborhood> GetNeighborhoodAsync(Scope actor, MemoryId id, CancellationToken cancellationToken = default) =>
        memory.GetNeighborhoodAsync(actor, id, cancellationToken);

    /// <summary>
    /// Forgets the cached link index of every cube, so the next call reads each cube again (writes made elsewhere are
    /// otherwise picked up from the change feed; this frees the memory).
    /// </summary>
    public void Reset()
    {
        gate.Wait();
        try
        {
            linkers.Clear();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => gate.Dispose();

    private void Forget(string tenant, IEnumerable<string> cubeIds)
    {
        foreach (string cubeId in cubeIds)
        {
            linkers.Remove((tenant, cubeId));
        }
    }

    /// <summary>
    /// What the extractor reads of a memory, the same whether it is added as a note or linked later: its text, who said it
    /// (the actor named, else the agent or user who wrote it) and when (<paramref name="validFrom"/>).
    /// </summary>
    private static NoteInput Input(string text, string? actor, Scope writer, DateTimeOffset validFrom) =>
        new(text, actor ?? writer.Agent ?? writer.User, validFrom);

    /// <summary>
    /// Whether linking has work for <paramref name="item"/>: it is active and either its note is not built
    /// (<see cref="IsBuilt"/>) or it has no note link yet (<see cref="LinkTypes.Notes"/>; one without is looked at again
    /// by each linking run, as a later note may relate to it). Its other links decide nothing: a merge's survivor and an
    /// updated fact get a <c>supersedes</c> link before they are ever notes, and a memory an earlier note linked to got
    /// its back-link before its own note was built.
    /// </summary>
    internal static bool NeedsLinking(MemoryItem item) =>
        item.State == LifecycleState.Active && (!IsBuilt(item) || !item.Links.Any(l => LinkTypes.Notes.Contains(l.Type)));

    /// <summary>
    /// Whether the note of <paramref name="item"/> is built: it has keywords or a context. A built note always has a
    /// context (the extractors give one for any text), so a text without a single keyword is built once, not every run.
    /// </summary>
    private static bool IsBuilt(MemoryItem item) => item.Keywords.Count > 0 || item.Context is not null;

    // The best links for a note besides those it has: a memory it links to already (a draft's own link, a back-link, a
    // supersede chain's) is not linked twice, and leaves its slot to the next best.
    private List<MemoryLink> SuggestNew(NoteLinker linker, string text, string? actor, IReadOnlyList<string> keywords, IReadOnlyList<string> tags, IReadOnlyList<MemoryLink> existing)
    {
        var linked = existing.Select(l => l.Target).ToHashSet();
        return [.. linker.Suggest(text, actor, keywords, tags, options.MaxLinks + linked.Count, options.MinLinkScore).Where(l => !linked.Contains(l.Target)).Take(options.MaxLinks)];
    }

    private async Task<NoteOutcome?> LinkOneAsync(MemoryItem item, NoteLinker linker, NoteAttributes? attributes, NoteWrites writes, CancellationToken cancellationToken)
    {
        var keywords = attributes is null ? item.Keywords.ToList() : Union(item.Keywords, attributes.Keywords, MaxKeywords);
        var tags = attributes is null ? item.Tags.ToList() : Union(item.Tags, attributes.Tags, MaxTags);
        string? context = item.Context ?? attributes?.Context;
        linker.Remove(item.Id); // never link a note to itself
        var links = SuggestNew(linker, item.Text, item.Provenance.Actor, keywords, tags, item.Links);
        if (links.Count == 0 && keywords.SequenceEqual(item.Keywords, StringComparer.Ordinal) && tags.SequenceEqual(item.Tags, StringComparer.Ordinal) && context == item.Context)
        {
            // Already a note, and still nothing to link to: a version would change nothing (a later note may link to it).
            linker.Index(item);
            return null;
        }

        var change = new MemoryChange
        {
            Keywords = keywords,
            Tags = tags,
            Context = context,
            Links = [.. item.Links, .. links],
            Reason = links.Count == 0 ? "note built: keywords, tags, context" : $"note built and linked to {links.Count} note(s)",
        };
        var updated = writes.Plan(item, change);
        linker.Index(updated);
        int evolved = await EvolveAllAsync(updated, Topics(tags, attributes), links, linker, writes, cancellationToken).ConfigureAwait(false);
        return new NoteOutcome(new AddOutcome(item.Id, false), links, evolved);
    }

    /// <summary>
    /// The tags of a note that its neighbours may take over: those its extractor found too, which say what it is about.
    /// A tag only the caller gave may say what the memory is (the agent's <c>turn</c> and <c>fact</c>, a core block's, a
    /// summary's, a derived payload's), and a neighbour given it would be taken for one: a turn superseded as a fact, a
    /// fact left out of consolidation. A note not extracted here has none to give.
    /// </summary>
    private static List<string> Topics(List<string> tags, NoteAttributes? attributes) =>
        attributes is null ? [] : [.. tags.Where(t => attributes.Tags.Contains(t.Trim(), StringComparer.OrdinalIgnoreCase))];

    private async Task<int> EvolveAllAsync(MemoryItem note, IReadOnlyList<string> topics, IReadOnlyList<MemoryLink> links, NoteLinker linker, NoteWrites writes, CancellationToken cancellationToken)
    {
        if (!options.Evolve)
        {
            // Without evolution a note never writes another memory: no back-link, no tags, no new version.
            return 0;
        }

        int evolved = 0;
        foreach (var link in links)
        {
            if (await EvolveNeighbourAsync(note, topics, link, writes, cancellationToken).ConfigureAwait(false) is { } updated)
            {
                linker.Index(updated);
                evolved++;
            }
        }

        return evolved;
    }

    private async Task<MemoryItem?> EvolveNeighbourAsync(MemoryItem note, IReadOnlyList<string> topics, MemoryLink link, NoteWrites writes, CancellationToken cancellationToken)
    {
        MemoryItem neighbour;
        try
        {
            neighbour = await writes.GetAsync(link.Target, cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.MemoryNotFoundException)
        {
            return null;
        }

        // A frozen neighbour is linked to but not written: a back-link would be a new version of a pinned memory.
        if (neighbour.State != LifecycleState.Active || neighbour.Links.Count >= options.MaxLinksPerNote || neighbour.Links.Any(l => l.Target == note.Id))
        {
            return null;
        }

        var back = new MemoryLink(note.Id, LinkTypes.Reverse(link.Type), link.Weight, link.Reason);
        var change = new MemoryChange { Links = [.. neighbour.Links, back], Reason = $"evolved: linked from {note.Id} ({link.Type}; {link.Reason})" };
        if (link.Weight >= options.EvolveMinWeight)
        {
            // Tags compare without case (as stored): "travel" is no gain for a neighbour tagged "Travel", and must not take
            // the free slot a topic it lacks would fill.
            var gained = topics.Where(t => !neighbour.Tags.Contains(t, StringComparer.OrdinalIgnoreCase)).Take(Math.Max(0, MaxTags - neighbour.Tags.Count)).ToList();
            if (gained.Count > 0)
            {
                change = change with { Tags = [.. neighbour.Tags, .. gained], Reason = change.Reason + $"; tags += {string.Join(", ", gained)}" };
            }
        }

        return writes.Plan(neighbour, change);
    }

    /// <summary>The cube's link index, in step with the store: the cached one caught up through the change feed, or a new one.</summary>
    private async Task<NoteLinker> LinkerAsync(Scope actor, MemCube cube, CancellationToken cancellationToken)
    {
        var key = (actor.Tenant, cube.Id);
        if (linkers.TryGetValue(key, out var cached))
        {
            var news = await memory.CatchUpAsync(actor, cube, cached.Sequence, Math.Max(CatchUpMinimum, cached.Linker.Count), cancellationToken).ConfigureAwait(false);
            if (news is not null)
            {
                foreach (var item in news.Changed)
                {
                    cached.Linker.Apply(item);
                }

                foreach (var id in news.Removed)
                {
                    cached.Linker.Remove(id);
                }

                cached.Sequence = news.Sequence;
                return cached.Linker;
            }

            linkers.Remove(key);
        }

        // The position is taken before reading: a write that lands during the read is applied again next time, never missed.
        var fresh = new CubeLinks(new NoteLinker(), await memory.ChangeSequenceAsync(actor, cube, cancellationToken).ConfigureAwait(false));
        // Frozen notes too: they are link targets (only their evolution, a new version, is skipped).
        await foreach (var item in memory.ListAsync(actor, cube.Id, new MemoryFilter { States = [LifecycleState.Active, LifecycleState.Frozen] }, cancellationToken).ConfigureAwait(false))
        {
            fresh.Linker.Index(item);
        }

        linkers[key] = fresh;
        return fresh.Linker;
    }

    /// <summary>A cube's link index and the change-feed position it is in step with.</summary>
    private sealed class CubeLinks(NoteLinker linker, long sequence)
    {
        public NoteLinker Linker { get; } = linker;

        public long Sequence { get; set; } = sequence;
    }

    /// <summary>
    /// The labels the memory has, as they are (a user's tag keeps its case, and none is cut), then the extracted ones it
    /// lacks, in lower case, while there are fewer than <paramref name="max"/> in all. An extracted label too long to store
    /// is left out: an extractor (a model's, say) must not make the note impossible to write.
    /// </summary>
    private static List<string> Union(IReadOnlyList<string> given, IReadOnlyList<string> extracted, int max)
    {
        var result = given.ToList();
        var seen = new HashSet<string>(given.Select(l => l.Trim()), StringComparer.OrdinalIgnoreCase);
        foreach (string label in extracted)
        {
            if (result.Count >= max)
            {
                break;
            }

            string lower = label.Trim().ToLowerInvariant();
            if (lower.Length > 0 && lower.Length <= ContentRules.MaxLabelLength && seen.Add(lower))
            {
                result.Add(lower);
            }
        }

        return result;
    }
}
