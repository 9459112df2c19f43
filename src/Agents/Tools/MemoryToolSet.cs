using AgentMem.Common.Text;
using System.ComponentModel;

using AgentMem.Agents.Activation;
using AgentMem.Agents.Lifecycle;
using AgentMem.Agents.Parametric;
using AgentMem.MemoryCore.Time;
using Microsoft.Extensions.Logging;

namespace AgentMem.Agents.Tools;

/// <summary>
/// The bodies of the memory tools, bound to one facade, acting scope and cube. The parameters'
/// names and <see cref="DescriptionAttribute"/>s (for <c>mode</c>, <see cref="ModeDescription"/>, which names the
/// facade's retrievers) become the JSON schema the model sees, so they are written for a model to read. Bad arguments throw with a message that says how to fix the call.
/// </summary>
internal sealed partial class MemoryToolSet(MemoryOS memory, Scope scope, string cube, ILogger? logger = null)
{
    private static readonly Dictionary<string, string> KnownModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["hybrid"] = "keywords, neighbours and embeddings",
        ["bm25"] = "keywords only",
        ["vector"] = "embeddings only",
    };

    // The retrievers this memory was composed with, the default first: a host composed without a vector retriever (the
    // README's hybrid and bm25) was offered "vector" all the same, and the call was refused.
    private readonly string[] modes = [memory.DefaultRetrieverName, .. memory.RetrieverNames.Where(n => !string.Equals(n, memory.DefaultRetrieverName, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The description of <see cref="SearchAsync"/>'s <c>mode</c>: the retrievers there are, the default first.</summary>
    public string ModeDescription =>
        $"Ranking: {Either(modes.Select((m, i) => (i == 0, KnownModes.GetValueOrDefault(m)) switch
        {
            (true, { } gloss) => $"{m} (default; {gloss})",
            (true, null) => $"{m} (default)",
            (false, { } gloss) => $"{m} ({gloss})",
            (false, null) => m,
        }))}.";

    public async Task<IReadOnlyList<MemoryHitResult>> SearchAsync(
        [Description("What to look for, in natural language or keywords.")] string query,
        [Description("How many memories to return (1-50).")] int k = 5,
        string? mode = null, // described by ModeDescription, which names the retrievers there are
        CancellationToken cancellationToken = default)
    {
        RequireText(query, "query");
        if (k is < 1 or > 50)
        {
            throw new ArgumentException($"k must be between 1 and 50; got {k}.", nameof(k));
        }

        string? retriever = null;
        if (!string.IsNullOrWhiteSpace(mode))
        {
            // By its own name: "hybrid" meant the default retriever, which a host may have composed as bm25.
            retriever = modes.FirstOrDefault(m => string.Equals(m, mode.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"mode must be {Either(modes)}; got '{mode}'.", nameof(mode));
        }

        try
        {
            var hits = await memory.SearchAsync(scope, cube, query, k, retrieverName: retriever, cancellationToken: cancellationToken).ConfigureAwait(false);
            // A long memory is given as its matched passage, or its beginning where the retriever found none (BM25 alone):
            // a pasted 300 KB log would otherwise fill the model's context.
            return hits.Select(h => h.Passage is null
                ? new MemoryHitResult(h.Item.Id.ToString(), Clip(h.Item.Text), h.Item.Provenance.Actor, Date(h.Item.ValidFrom), h.Score) { FullLength = FullLength(h.Item.Text) }
                : new MemoryHitResult(h.Item.Id.ToString(), Clip(h.MarkedExcerpt), h.Item.Provenance.Actor, Date(h.Item.ValidFrom), h.Score) { FullLength = h.Item.Text.Length }).ToList();
        }
        catch (CubeNotFoundException)
        {
            // Nothing has been remembered yet: an empty result, not an error the model must reason about.
            return [];
        }
    }

    public async Task<MemoryAddResult> AddAsync(
        [Description("The fact or event to remember, as a self-contained sentence.")] string text,
        [Description("Optional labels, e.g. [\"preference\", \"travel\"].")] string[]? tags = null,
        [Description("Optional ISO-8601 date or date-time when the fact became true, e.g. 2024-05-07.")] string? eventTime = null,
        [Description("Optional name of who said or wrote it.")] string? speaker = null,
        [Description("Optional reason it is worth remembering, e.g. 'user asked me to remember'. Kept in the audit trail.")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        RequireText(text, "text");
        RefuseReservedTags(tags);
        var draft = new MemoryDraft(text.Trim())
        {
            Tags = tags ?? [],
            ValidFrom = ParseTime(eventTime, nameof(eventTime)),
            Actor = speaker,
            Source = SourceKind.Agent,
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
        };
        memory.ValidateDrafts(scope, [draft]); // before the cube is made on first write: a refused call must leave none
        var target = await memory.GetOrCreateCubeAsync(scope, cube, CubeAccess.Write, cancellationToken).ConfigureAwait(false); // write is all an add needs
        var outcome = await memory.AddAsync(scope, target.Id, draft, cancellationToken).ConfigureAwait(false);
        if (!outcome.Created && await ReservedDuplicateAsync(outcome.Id, cancellationToken).ConfigureAwait(false) is { } reserved)
        {
            // De-duplicated against a memory the agent builds itself (a core block holding just this line): "already
            // remembered" named the block, which memory_update refuses, and the fact went with the block's next edit.
            outcome = await AddApartAsync(target.Id, draft, reserved, cancellationToken).ConfigureAwait(false);
        }

        await memory.RestoreRestatedAsync(scope, [outcome], cancellationToken).ConfigureAwait(false); // "already remembered" must be true
        return new MemoryAddResult(outcome.Id.ToString(), outcome.Created);
    }

    /// <summary>The memory an add was de-duplicated to when it carries a reserved tag; null when it is an ordinary memory, or one the caller may not read.</summary>
    private async Task<MemoryItem?> ReservedDuplicateAsync(MemoryId id, CancellationToken cancellationToken)
    {
        try
        {
            var item = await memory.GetAsync(scope, id, cancellationToken).ConfigureAwait(false);
            return item.Tags.Any(ReservedTags.IsReserved) ? item : null;
        }
        catch (Exception ex) when (ex is AccessDeniedException or MemoryNotFoundException)
        {
            // A grantee who may only add cannot tell (nor edit a block there); a memory purged meanwhile holds nothing.
            return null;
        }
    }

    /// <summary>
    /// Stores <paramref name="draft"/> as a memory of its own beside <paramref name="reserved"/>, which holds the same content:
    /// the copy stored by an earlier call when there is one, else a new memory (<see cref="OwnMemory"/>: the cube would
    /// de-duplicate the text again).
    /// </summary>
    private async Task<AddOutcome> AddApartAsync(string cubeId, MemoryDraft draft, MemoryItem reserved, CancellationToken cancellationToken)
    {
        // The cube's look-up names one memory of that content, the reserved one again here: the earlier copy is looked for
        // among the caller's own (a rare scan: only a text equal to the whole of a block or summary gets here).
        var states = new[] { LifecycleState.Active, LifecycleState.Frozen, LifecycleState.Archived };
        var own = new MemoryFilter { User = scope.User, Agent = scope.Agent, States = states, Kind = reserved.Kind };
        await foreach (var item in memory.ListAsync(scope, cubeId, own, cancellationToken).ConfigureAwait(false))
        {
            // The same key as the cube's de-duplication: the reserved memory was found under the draft's speaker.
            if (item.ContentHash == reserved.ContentHash && item.Scope.User == scope.User && item.Scope.Agent == scope.Agent
                && item.Provenance.Actor == reserved.Provenance.Actor && !item.Tags.Any(ReservedTags.IsReserved))
            {
                return new AddOutcome(item.Id, false);
            }
        }

        var stored = await OwnMemory.AddAsync(memory, scope, cubeId, draft, $"memory_add placeholder ({Guid.NewGuid():N})", "kept apart from a core block or summary of the same text", cancellationToken).ConfigureAwait(false);
        return new AddOutcome(stored.Id, true);
    }

    public async Task<MemoryVersionResult> UpdateAsync(
        [Description("Id of the memory to change (from memory_search).")] string id,
        [Description("The corrected text that replaces the old one.")] string text,
        [Description("Why it changed, e.g. 'user moved to Berlin'. Kept with the old version.")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        var item = await RequireItemInCubeAsync(id, cancellationToken).ConfigureAwait(false);
        RequireText(text, "text");

        // A core block is sent whole with every turn, so its size is bounded; only the core_memory tools keep it so.
        if (item.Tags.Contains(CoreMemoryBlocks.BlockTag, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"Memory {item.Id} is a core memory block: change it with core_memory_replace or core_memory_append, which keep it within its size limit.",
                nameof(id));
        }

        // The facade's refusals name what a person does ("Restore it (set it Active) or purge it", "Unfreeze it first"); no
        // tool sets a state, and a purge would erase what the user only deleted. The model is told what it can do instead.
        switch (item.State)
        {
            case LifecycleState.Deleted:
                throw new MemoryStateException($"Memory {item.Id} was deleted, so it cannot be changed; only a person can restore it. To remember a corrected fact, add it with memory_add.");
            case LifecycleState.Frozen:
                throw Frozen(item.Id, refused: null);
            case LifecycleState.Superseded:
                throw new MemoryStateException($"Memory {item.Id} was replaced ({item.StateReason}), so its text stays what it said then; only a person can restore it. To correct the fact, update the memory that replaced it, or add the corrected fact with memory_add.");
        }

        var memoryId = item.Id;
        var next = await memory.UpdateAsync(scope, memoryId, new MemoryChange { Text = text.Trim(), Reason = reason }, cancellationToken).ConfigureAwait(false);
        if (next.State == LifecycleState.Archived)
        {
            next = await RestoreCorrectedAsync(next, reason, cancellationToken).ConfigureAwait(false);
        }

        return Version(next);
    }

    /// <summary>
    /// Brings a forgotten memory that was just corrected back into recall. An edit keeps the state, so the correction was
    /// stored where no search finds it, while memory_add of an archived memory's words brings it back
    /// (<see cref="MemoryOS.RestoreRestatedAsync"/>): a correction is a restatement too. Restored after the edit and at the
    /// version it wrote, so a failure between the two leaves the correction stored (archived, as before), never the stale
    /// text current; a memory changed meanwhile by another writer is left as that writer left it.
    /// </summary>
    private async Task<MemoryItem> RestoreCorrectedAsync(MemoryItem corrected, string? reason, CancellationToken cancellationToken)
    {
        string why = string.IsNullOrWhiteSpace(reason) ? "corrected: restored from the archive" : reason.Trim();
        try
        {
            var restore = new MemoryStateChange(corrected.Id, LifecycleState.Active, why) { ExpectedVersion = corrected.Version };
            return (await memory.SetStateManyAsync(scope, [restore], cancellationToken).ConfigureAwait(false))[0];
        }
        catch (MemoryStateException)
        {
            return corrected;
        }
    }

    public async Task<MemoryDeleteResult> DeleteAsync(
        [Description("Id of the memory to forget (from memory_search).")] string id,
        [Description("Optional reason, kept in the history.")] string? reason = null,
        [Description("true to erase the memory and its whole history for good; false (default) keeps a tombstone version.")] bool purge = false,
        CancellationToken cancellationToken = default)
    {
        var memoryId = await RequireInCubeAsync(id, cancellationToken).ConfigureAwait(false);
        if (purge)
        {
            try
            {
                await memory.PurgeAsync(scope, memoryId, cancellationToken).ConfigureAwait(false);
            }
            catch (MemoryFrozenException ex)
            {
                throw Frozen(memoryId, ex);
            }
            catch (ErasureFilesLeftException ex)
            {
                // Committed: reported as an error, it reached the model with local paths, and the model took it for a failure
                // and retried (answered "not found"). The model learns the count; the paths go to the host's log.
                if (logger is not null)
                {
                    LogFilesLeft(logger, ex.Message);
                }

                return new MemoryDeleteResult(memoryId.ToString(), Purged: true, Version: null)
                {
                    FilesLeft = ex.Files.Count == 0 ? null : ex.Files.Count,
                    LeftBehind = ex.LeftSummary,
                };
            }

            return new MemoryDeleteResult(memoryId.ToString(), Purged: true, Version: null);
        }

        MemoryItem tombstone;
        try
        {
            tombstone = await memory.DeleteAsync(scope, memoryId, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (MemoryFrozenException ex)
        {
            throw Frozen(memoryId, ex);
        }

        return new MemoryDeleteResult(memoryId.ToString(), Purged: false, tombstone.Version);
    }

    private static MemoryFrozenException Frozen(MemoryId id, MemoryFrozenException? refused) => FrozenRefusal.Of($"Memory {id}", refused);

    public async Task<MemoryHistoryResult> HistoryAsync(
        [Description("Id of the memory (from memory_search).")] string id,
        CancellationToken cancellationToken = default)
    {
        var item = await RequireItemInCubeAsync(id, cancellationToken).ConfigureAwait(false);
        // Only the page and the first version are read (versions are numbered consecutively): a memory edited thousands
        // of times loaded every version, in full, to list the latest 50.
        var first = await memory.GetHistoryAsync(scope, item.Id, limit: 1, after: 0, cancellationToken).ConfigureAwait(false);
        var versions = await memory.GetHistoryAsync(scope, item.Id, MemoryTools.MaxListedItems, Math.Max(0, item.Version - MemoryTools.MaxListedItems), cancellationToken).ConfigureAwait(false);
        long total = first.Count == 0 ? versions.Count : item.Version - first[0].Version + 1;
        return new MemoryHistoryResult(item.Id.ToString(), [.. versions.Select(Version)], (int)Math.Min(total, int.MaxValue));
    }

    public async Task<MemoryLinksResult> LinksAsync(
        [Description("Id of the memory (from memory_search).")] string id,
        CancellationToken cancellationToken = default)
    {
        var item = await RequireItemInCubeAsync(id, cancellationToken).ConfigureAwait(false);
        var memoryId = item.Id;
        var outgoing = new List<MemoryLinkResult>(Math.Min(item.Links.Count, MemoryTools.MaxListedItems));
        bool moreOutgoing = false;
        foreach (var link in item.Links)
        {
            if (outgoing.Count == MemoryTools.MaxListedItems)
            {
                moreOutgoing = true;
                break;
            }

            string? text = null;
            bool? inOtherCube = null;
            try
            {
                // Only a live memory's text is current: a deleted one (the user asked to forget it), an archived or a
                // superseded one is given without text, as a purged one is (incoming links leave such sources out).
                var target = await memory.GetAsync(scope, link.Target, cancellationToken).ConfigureAwait(false);
                if (target.CubeId != item.CubeId)
                {
                    // Links may cross cubes of the tenant, but the tools reach only their own: a host binds them to one cube
                    // to keep the others out of the model's context, so the link is listed with nothing of its target.
                    inOtherCube = true;
                }
                else
                {
                    text = MemoryFilter.LiveStates.Contains(target.State) ? target.Text : null;
                }
            }
            catch (MemoryNotFoundException)
            {
                // A purged target leaves a dangling link; report it without text rather than fail.
            }
            catch (AccessDeniedException)
            {
                // A target in a cube this scope may not read: left out, as the service's links answer does (a link never
                // reveals what its cube's grants would not).
                continue;
            }

            outgoing.Add(new MemoryLinkResult(link.Target.ToString(), link.Type, link.Weight, text is null ? null : Clip(text))
            {
                FullLength = text is null ? null : FullLength(text),
                InOtherCube = inOtherCube,
            });
        }

        // One more than listed tells whether there are more; only the linking memories the page needs are read.
        var linkedFrom = await memory.GetIncomingLinksAsync(scope, memoryId, MemoryTools.MaxListedItems + 1, cancellationToken: cancellationToken).ConfigureAwait(false);
        var incoming = linkedFrom.Take(MemoryTools.MaxListedItems)
            .Select(i => new MemoryLinkResult(i.Source.Id.ToString(), i.Link.Type, i.Link.Weight, Clip(i.Source.Text)) { FullLength = FullLength(i.Source.Text) }).ToList();

        return new MemoryLinksResult(memoryId.ToString(), outgoing, incoming) { MoreOutgoing = moreOutgoing, MoreIncoming = linkedFrom.Count > incoming.Count };
    }

    /// <summary>Parses the id and checks the memory lives in this tool set's cube, so tools cannot reach other cubes.</summary>
    private async Task<MemoryId> RequireInCubeAsync(string? id, CancellationToken cancellationToken) =>
        (await RequireItemInCubeAsync(id, cancellationToken).ConfigureAwait(false)).Id;

    /// <summary><see cref="RequireInCubeAsync"/>, giving the memory as read.</summary>
    private async Task<MemoryItem> RequireItemInCubeAsync(string? id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ArgumentException("id is required: pass the 26-character id returned by memory_search or memory_add.", nameof(id));
        }

        if (!MemoryId.TryParse(id.Trim(), out var memoryId))
        {
            throw new ArgumentException($"'{id}' is not a memory id: expected the 26-character id returned by memory_search or memory_add, e.g. 01JD3Z5Q8Y4V6N2K7M9P0R1S2T.", nameof(id));
        }

        MemoryItem item;
        string cubeId;
        try
        {
            cubeId = (await memory.OpenCubeAsync(scope, cube, cancellationToken).ConfigureAwait(false)).Id;
            item = await memory.GetAsync(scope, memoryId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CubeNotFoundException or MemoryNotFoundException or CubeAccessDeniedException { MemoryId: not null })
        {
            // A memory in a cube this scope may not read answers as an unknown id: the refusal would name that cube and
            // its owner. (A refusal of the tool set's own cube is a set-up error and says so.)
            throw UnknownId(memoryId);
        }

        return item.CubeId == cubeId ? item : throw UnknownId(memoryId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "memory_delete: {Detail}")]
    private static partial void LogFilesLeft(ILogger logger, string detail);

    private MemoryNotFoundException UnknownId(MemoryId id) =>
        new($"No memory {id} in cube '{cube}'. Use memory_search to find the ids of existing memories.");

    private static void RefuseReservedTags(string[]? tags)
    {
        foreach (string tag in tags ?? [])
        {
            if (ReservedTags.IsReserved(tag))
            {
                throw new ArgumentException($"The tag '{tag.Trim()}' is reserved for memories the agent builds itself (core memory blocks: use core_memory_append or core_memory_replace); choose another.", nameof(tags));
            }
        }
    }

    private static void RequireText(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{name} must not be empty.", name);
        }
    }

    private static DateTimeOffset? ParseTime(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        // The offset is kept: the memory's day is the speaker's, which the context shows and notes date relative times by.
        if (IsoDateTime.TryParse(value, out var parsed))
        {
            return parsed;
        }

        throw new ArgumentException(
            IsoDateTime.IsOutOfRange(value)
                ? $"{name} '{value}' is outside the supported range ({IsoDateTime.SupportedRange}); give a time within it."
                : $"{name} '{value}' is not an ISO-8601 date or date-time; use e.g. 2024-05-07 or 2024-05-07T14:30:00Z.",
            name);
    }

    /// <summary>"a", "a or b", "a, b or c".</summary>
    private static string Either(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list[..^1])} or {list[^1]}";
    }

    /// <summary>
    /// The event time for the model, at the offset it was given with (the speaker's clock): the day alone when it is
    /// midnight there (a date given alone is kept so), else the instant with its offset ("Z" for UTC). In UTC, an evening
    /// of 7 May at -05:00 read as 8 May, a day late.
    /// </summary>
    private static string? Date(DateTimeOffset? value) => value switch
    {
        null => null,
        { TimeOfDay.Ticks: 0 } day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        { Offset.Ticks: 0 } instant => instant.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        { } instant => instant.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
    };

    private static MemoryVersionResult Version(MemoryItem item) =>
        new(item.Id.ToString(), item.Version, Clip(item.Text), item.State.ToString(), item.StateReason, item.UpdatedAt.ToString("O", CultureInfo.InvariantCulture)) { FullLength = FullLength(item.Text) };

    private static string Clip(string text) =>
        text.Length <= MemoryTools.MaxTextChars ? text : string.Concat(TextClip.Prefix(text, MemoryTools.MaxTextChars), "…");

    private static int? FullLength(string text) => text.Length > MemoryTools.MaxTextChars ? text.Length : null;
}
