using AgentMem.Common.Text;
using AgentMem.Common;
using AgentMem.MemoryCore.Links;

namespace AgentMem.Agents.Activation;

/// <summary>
/// What activation memories (KV cartridges) and parametric memories (LoRA adapters) share: a local payload file computed from
/// source memories, whose ids and versions the provenance records (<see cref="ActivationSources"/>). Such a memory is stale when
/// a source has a new version (edited, deleted, archived), was purged, or when the file is missing or no longer matches its
/// <see cref="PayloadRef"/>. One implementation, so both kinds are recorded, listed, checked and go stale the same way.
/// </summary>
internal static class DerivedPayloads
{
    /// <summary>
    /// The full path of a scheduler's <paramref name="folder"/>: a relative one inside the payload folder of
    /// <paramref name="memory"/> (<see cref="MemoryOSOptions.PayloadFolder"/>), the only place an erasure deletes payload files
    /// from, or the working directory without one.
    /// </summary>
    public static string FolderFor(MemoryOS memory, string folder) =>
        Path.GetFullPath(folder, memory.Options.PayloadFolder ?? Environment.CurrentDirectory);

    /// <summary>True when the memory's payload file exists with the recorded size and SHA-256.</summary>
    public static bool IsIntact(MemoryItem item) => item.Payload?.IsIntactLocalFile() ?? false;

    /// <summary>
    /// Saves a payload file at <paramref name="path"/> with <paramref name="save"/> and describes it. <c>Fresh</c> is false when
    /// the file was there already: files are named by what they hold, so a memory made before may name it.
    /// </summary>
    public static (PayloadRef Payload, bool Fresh) Save(string path, string mediaType, Action<string> save)
    {
        bool fresh = !File.Exists(path);
        save(path);
        return (PayloadRef.ForLocalFile(path, mediaType), fresh);
    }

    /// <summary>
    /// Adds <paramref name="draft"/>, the memory of a payload file just saved, and returns the memory that now names the file,
    /// active. When the add fails (refused, cancelled, the store down) a file this call made (<paramref name="fresh"/>) is
    /// deleted, unless a memory of the cube names it: a store that lost the acknowledgement of its commit may have added the
    /// memory after all. When the cube cannot be read to tell, it stays.
    /// </summary>
    /// <remarks>
    /// Files are named by what they hold, so building the same sources again makes the same file, and de-duplication matches
    /// the add to the memory made of it before, archived ones included (demoted, or stale while a source was away). One with
    /// the same provenance is restored: left archived, nothing loaded it and every run built it again. One recorded from other
    /// versions of the sources (a source edited and edited back, or archived and restored) would be stale again at once, and a
    /// provenance cannot be edited: the new memory is added with its source reference in its text, which tells it apart.
    /// </remarks>
    public static async Task<MemoryItem> AddAsync(MemoryOS memory, Scope actor, string cube, DerivedKind kind, MemoryDraft draft, bool fresh, CancellationToken cancellationToken)
    {
        var item = await AddOnceAsync(memory, actor, cube, kind, draft, fresh, cancellationToken).ConfigureAwait(false);
        if (item.Provenance.SourceRef != draft.SourceRef)
        {
            draft = draft with { Text = $"{draft.Text} ({draft.SourceRef})" };
            item = await AddOnceAsync(memory, actor, cube, kind, draft, fresh, cancellationToken).ConfigureAwait(false);
        }

        if (item.State != LifecycleState.Archived || item.Provenance.SourceRef != draft.SourceRef)
        {
            return item;
        }

        try
        {
            string reason = draft.Reason ?? $"rebuilt: the same {kind.File} again";
            var change = new MemoryStateChange(item.Id, LifecycleState.Active, reason) { ExpectedVersion = item.Version };
            return (await memory.SetStateManyAsync(actor, [change], cancellationToken).ConfigureAwait(false))[0];
        }
        catch (MemoryStateException)
        {
            // Changed meanwhile (restored, deleted or edited by another writer): that writer's state stands.
            return await memory.GetAsync(actor, item.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<MemoryItem> AddOnceAsync(MemoryOS memory, Scope actor, string cube, DerivedKind kind, MemoryDraft draft, bool fresh, CancellationToken cancellationToken)
    {
        AddOutcome outcome;
        try
        {
            outcome = await memory.AddAsync(actor, cube, draft, cancellationToken).ConfigureAwait(false);
        }
        catch when (fresh)
        {
            await DeleteUnlessNamedAsync(memory, actor, cube, kind, draft.Payload!).ConfigureAwait(false);
            throw;
        }

        return await memory.GetAsync(actor, outcome.Id, cancellationToken).ConfigureAwait(false);
    }

    private static async Task DeleteUnlessNamedAsync(MemoryOS memory, Scope actor, string cube, DerivedKind kind, PayloadRef payload)
    {
        var filter = new MemoryFilter { Kind = kind.Kind, AnyTags = [kind.Tag], States = [] };
        try
        {
            // Not cancellable: the caller's token may be what failed the add, and the file must not outlive it for that.
            await foreach (var item in memory.ListAsync(actor, cube, filter, CancellationToken.None).ConfigureAwait(false))
            {
                if (item.Payload?.Uri == payload.Uri)
                {
                    return;
                }
            }
        }
        catch (AgentMemException)
        {
            return;
        }

        File.Delete(payload.LocalPath);
    }

    /// <summary>
    /// The draft of a memory of <paramref name="kind"/> whose payload file was made from <paramref name="sources"/>: written by
    /// the system as <paramref name="actor"/>, tagged with the kind's tag, with the sources at their versions as its source
    /// reference (what staleness compares), an <see cref="LinkTypes.Encodes"/> link to each (what a purge follows) and why it
    /// was made, when a scheduler decided it, as its state reason.
    /// </summary>
    public static MemoryDraft Draft(DerivedKind kind, string text, PayloadRef payload, IReadOnlyList<MemoryItem> sources, string actor, string context, string? reason) => new(text)
    {
        Kind = kind.Kind,
        Payload = payload,
        Source = SourceKind.System,
        SourceRef = ActivationSources.Format(sources),
        Actor = actor,
        Tags = [kind.Tag],
        Context = context,
        Links = [.. sources.Select(s => new MemoryLink(s.Id, LinkTypes.Encodes, Reason: ActivationSources.LinkReason(s)))],
        Reason = reason,
    };

    /// <summary>The start of the sources' text for a derived memory's own text: at most 120 characters, on one line.</summary>
    public static string Preview(string text) =>
        TextClip.Shorten(text, 120, "...").ReplaceLineEndings(" / ");

    /// <summary>
    /// Tenant and cube names become part of a file name: only letters, digits, '-' and '_' survive, so no name can leave the
    /// folder or collide with another's path syntax.
    /// </summary>
    public static string FileSafe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    /// <summary>
    /// Why <paramref name="derived"/> no longer reflects its sources, or null when it still does (a source <paramref name="actor"/>
    /// cannot read counts as not reflected). <c>Purged</c> is true when a source no longer exists at all, so the payload holds
    /// content that must go with it.
    /// </summary>
    public static async Task<(string? Reason, bool Purged)> StaleReasonAsync(MemoryOS memory, Scope actor, MemoryItem derived, DerivedKind kind, CancellationToken cancellationToken)
    {
        var sources = ActivationSources.Of(derived);
        if (sources.Count == 0)
        {
            return ("its provenance lists no source memories", false);
        }

        foreach (var (id, version) in sources)
        {
            MemoryItem current;
            try
            {
                current = await memory.GetAsync(actor, id, cancellationToken).ConfigureAwait(false);
            }
            catch (MemoryNotFoundException)
            {
                return ($"source memory {id} was purged", true);
            }
            catch (AccessDeniedException)
            {
                // In a cube the actor may not read (recorded before sources had to be in the derived memory's cube): it cannot
                // be shown current, and throwing failed every local turn and scheduler run of the actor. Its file stays.
                return ($"source memory {id} cannot be read by {actor}", false);
            }

            if (current.Version != version)
            {
                return ($"source memory {id} changed (v{version} -> v{current.Version}, now {current.State})", false);
            }
        }

        return (IsIntact(derived) ? null : $"its {kind.File} file is missing or altered", false);
    }

    /// <summary>The cube's active memories of <paramref name="kind"/> (those carrying its tag).</summary>
    public static async Task<List<MemoryItem>> ListActiveAsync(MemoryOS memory, Scope actor, string cube, DerivedKind kind, CancellationToken cancellationToken)
    {
        var filter = new MemoryFilter { Kind = kind.Kind, AnyTags = [kind.Tag], States = [LifecycleState.Active] };
        var items = new List<MemoryItem>();
        await foreach (var item in memory.ListAsync(actor, cube, filter, cancellationToken).ConfigureAwait(false))
        {
            items.Add(item);
        }

        return items;
    }

    /// <summary>
    /// The local payload file of <paramref name="item"/>, after checking it is a live memory of <paramref name="kind"/> and that
    /// the file's size and SHA-256 still match its payload reference.
    /// </summary>
    /// <exception cref="MemoryStateException">The memory is not an active memory of the kind (for example archived as stale).</exception>
    /// <exception cref="ModelFormatException">The file is missing or no longer matches the reference.</exception>
    public static string ResolveFile(MemoryItem item, DerivedKind kind)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Kind != kind.Kind || item.Payload is null)
        {
            throw new MemoryStateException($"Memory {item.Id} is a {item.Kind} memory, not {kind.WithArticle} ({kind.FileFormat}).");
        }

        if (item.State is not (LifecycleState.Active or LifecycleState.Frozen))
        {
            throw new MemoryStateException($"{kind.Capitalized} {item.Id} is {item.State}{(item.StateReason is null ? string.Empty : $" ({item.StateReason})")}; {kind.Remedy}.");
        }

        string path = item.Payload.LocalPath;
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"{path}: the {kind.File} file of {kind.Noun} {item.Id} is missing.");
        }

        if (!IsIntact(item))
        {
            throw new ModelFormatException($"{path}: the {kind.File} file no longer matches {kind.Noun} {item.Id} (size or SHA-256 differ).");
        }

        return path;
    }
}
