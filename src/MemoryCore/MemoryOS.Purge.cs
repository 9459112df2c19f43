using AgentMem.MemoryCore.Links;

namespace AgentMem.MemoryCore;

/// <summary>Hard deletes: a memory with what was derived from it, shared by a purge and by forgetting a user.</summary>
public sealed partial class MemoryOS
{
    // Link types by which a memory is made from others' content: an activation memory "encodes" its sources (previews their
    // text, and its cartridge holds their token ids), a summary or thought is "derived-from" its evidence. Such a memory
    // carries the purged text on, so it goes too.
    private static readonly IReadOnlyList<string> DerivationLinks = LinkTypes.Derivations;

    /// <summary>Hard delete: removes the memory and all its versions from every table and index, with what was derived from it. Needs read and write access to its cube, as a soft delete does.</summary>
    public Task PurgeAsync(Scope actor, MemoryId id, CancellationToken cancellationToken = default) =>
        PurgeAsync(actor, id, null, cancellationToken);

    /// <summary>
    /// Hard delete with a reason for the audit line (e.g. the cube's TTL); the reason must hold no memory content, since
    /// the audit line outlives the memory.
    /// </summary>
    /// <remarks>
    /// Every memory derived from this one, transitively (an activation memory that <c>encodes</c> it, a summary
    /// <c>derived-from</c> it, a summary of that summary), is purged with it in the same transaction, whatever its cube or
    /// state, and the local cartridge files of the activation memories among them are deleted: each holds the purged text
    /// (a preview, token ids that decode back to it, a summary's words). Rebuilding them without the source would need the
    /// model that built them; deleting them is complete, and the scheduler builds a new one from the sources still there.
    /// The audit line (<c>purge</c>, naming the memory) counts them, without their ids or text. The store also strips
    /// the memory from the neighbours' version snapshots and redacts audit details that held or named it
    /// (<see cref="IMemoryStore.PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, CancellationToken)"/>).
    /// </remarks>
    /// <exception cref="ErasureFilesLeftException">The purge is committed, but a cartridge or adapter file computed from the memories could not be deleted (named), or a change listener threw (its error is the inner exception): every listener is still told and every file still deleted first.</exception>
    public async Task PurgeAsync(Scope actor, MemoryId id, string? reason, CancellationToken cancellationToken = default)
    {
        // Read too, as a soft delete needs: a writer that may not read would erase for good what it cannot see, and learn
        // from the answer (frozen, unknown) what is there.
        var (current, _) = await LoadAsync(actor, id, CubeAccess.ReadWrite, cancellationToken).ConfigureAwait(false);
        if (current.State == LifecycleState.Frozen)
        {
            throw new MemoryFrozenException($"Memory {id} is frozen and cannot be purged; unfreeze it first.");
        }

        var doomed = await WithDerivationsAsync(actor.Tenant, [id], cancellationToken).ConfigureAwait(false);
        doomed.Remove(id);
        var derived = doomed.Count == 0 ? [] : await store.GetManyAsync(actor.Tenant, [.. doomed], cancellationToken).ConfigureAwait(false);
        string? detail = Reason(reason);
        if (derived.Count > 0)
        {
            string count = $"{derived.Count} derived memor{(derived.Count == 1 ? "y" : "ies")} purged with it";
            detail = detail is null ? count : $"{detail}; {count}";
        }

        // Frozen is checked again inside the store's transaction: a legal hold set since the read above still holds.
        var (removed, _) = await PurgeWithCleanUpAsync(actor, [current, .. derived], Audit(actor, "purge", current.CubeId, id, current.Version, detail), cancellationToken, unlessFrozen: [id]).ConfigureAwait(false);
        if (removed == 0)
        {
            throw NotFound(id);
        }
    }

    /// <summary>
    /// Hard-deletes several memories, each with what was derived from it, in one store transaction under one audit line
    /// (<c>purge</c>, with the count and <paramref name="reason"/>, which must hold no memory content): what a TTL sweep
    /// needs, since the clean-up after a purge (SQLite's VACUUM, PostgreSQL's VACUUM FULL) then runs once, not per memory.
    /// Memories that are frozen, or gone since they were listed, are skipped and returned. A frozen memory derived from one
    /// of them is kept too (a legal hold outlasts the TTL, as the expiry job reports it), unlike
    /// <see cref="PurgeAsync(Scope, MemoryId, string?, CancellationToken)"/>, an erasure asked for, which takes it.
    /// </summary>
    /// <returns>The ids purged and the ids skipped.</returns>
    /// <exception cref="ErasureFilesLeftException">The purge is committed, but a cartridge or adapter file computed from the memories could not be deleted (named), or a change listener threw (its error is the inner exception).</exception>
    public Task<(IReadOnlyList<MemoryId> Purged, IReadOnlyList<MemoryId> Skipped)> PurgeManyAsync(Scope actor, IReadOnlyList<MemoryId> ids, string? reason, CancellationToken cancellationToken = default) =>
        PurgeManyAsync(actor, ids, reason, checkedSoFar: null, cancellationToken);

    /// <summary>
    /// <see cref="PurgeManyAsync(Scope, IReadOnlyList{MemoryId}, string?, CancellationToken)"/>, telling
    /// <paramref name="checkedSoFar"/> how many of the ids have been loaded and checked (access, frozen) after each one: what
    /// a job reports as progress before the one transaction that purges them all. An attempt redone after a hold set
    /// meanwhile counts from zero again.
    /// </summary>
    internal async Task<(IReadOnlyList<MemoryId> Purged, IReadOnlyList<MemoryId> Skipped)> PurgeManyAsync(Scope actor, IReadOnlyList<MemoryId> ids, string? reason, Action<int>? checkedSoFar, CancellationToken cancellationToken)
    {
        // The store checks frozen again inside its transaction; a memory frozen after the states were read (a legal hold set
        // during a long sweep) fails the attempt whole, and the next one reads the states again and skips it.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await PurgeManyOnceAsync(actor, ids, reason, checkedSoFar, cancellationToken).ConfigureAwait(false);
            }
            catch (MemoryFrozenException) when (attempt < 3)
            {
            }
        }
    }

    private async Task<(IReadOnlyList<MemoryId> Purged, IReadOnlyList<MemoryId> Skipped)> PurgeManyOnceAsync(Scope actor, IReadOnlyList<MemoryId> ids, string? reason, Action<int>? checkedSoFar, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var purged = new List<MemoryId>();
        var skipped = new List<MemoryId>();
        var items = new List<MemoryItem>();
        foreach (var id in ids.Distinct())
        {
            try
            {
                var (current, _) = await LoadAsync(actor, id, CubeAccess.ReadWrite, cancellationToken).ConfigureAwait(false);
                if (current.State == LifecycleState.Frozen)
                {
                    skipped.Add(id);
                    continue;
                }

                items.Add(current);
                purged.Add(id);
            }
            catch (MemoryNotFoundException)
            {
                skipped.Add(id);
            }

            checkedSoFar?.Invoke(purged.Count + skipped.Count);
        }

        if (items.Count == 0)
        {
            return (purged, skipped);
        }

        var doomed = await WithDerivationsAsync(actor.Tenant, purged, cancellationToken).ConfigureAwait(false);
        doomed.ExceptWith(purged);
        // A frozen derived memory is a legal hold as much as a frozen expired one: the sweep counts it exempt and keeps it.
        // The derived ones are checked again inside the transaction too, so a hold set meanwhile fails this attempt.
        var derived = doomed.Count == 0 ? [] : (await store.GetManyAsync(actor.Tenant, [.. doomed], cancellationToken).ConfigureAwait(false)).Where(d => d.State != LifecycleState.Frozen).ToList();
        string detail = string.Create(CultureInfo.InvariantCulture, $"{items.Count} memor{(items.Count == 1 ? "y" : "ies")}, {derived.Count} derived");
        detail = Reason(reason) is { } why ? $"{why}; {detail}" : detail;
        string? cube = items.Select(i => i.CubeId).Distinct(StringComparer.Ordinal).Count() == 1 ? items[0].CubeId : null;
        await PurgeWithCleanUpAsync(actor, [.. items, .. derived], Audit(actor, "purge", cube, null, null, detail), cancellationToken, unlessFrozen: [.. purged, .. derived.Select(d => d.Id)]).ConfigureAwait(false);
        return (purged, skipped);
    }

    /// <summary><paramref name="seeds"/> and the ids of every memory of the tenant derived from them, transitively (a summary of summaries).</summary>
    private async Task<HashSet<MemoryId>> WithDerivationsAsync(string tenant, IReadOnlyCollection<MemoryId> seeds, CancellationToken cancellationToken)
    {
        var doomed = new HashSet<MemoryId>(seeds);
        var frontier = doomed.ToList();
        while (frontier.Count > 0)
        {
            var sources = await store.FindLinkSourcesAsync(tenant, frontier, DerivationLinks, cancellationToken).ConfigureAwait(false);
            frontier = [.. sources.Where(doomed.Add)];
        }

        return doomed;
    }

    /// <summary>
    /// Purges <paramref name="removed"/> in one store transaction under <paramref name="audit"/>, tells the listeners of every
    /// cube touched and deletes the cartridge and adapter files of the activation and parametric memories among them.
    /// Returns how many memories the store removed and how many files were deleted. A file it cannot delete, or a listener
    /// that throws, is added to <paramref name="left"/> when given; otherwise the call throws
    /// <see cref="ErasureFilesLeftException"/> naming it, after everything else is done: the erasure is then incomplete,
    /// and the caller must know.
    /// </summary>
    /// <remarks>
    /// The files and the listeners' snapshots go inside the store's transaction, just before its commit
    /// (<see cref="PurgeCleanUp"/>), and the listeners learn of the commit right after it: done once the store's purge had
    /// returned, all of it waited for the rebuild of the database file (minutes for a large one), and a crash meanwhile
    /// left the files of a committed purge for good. Should the commit itself fail, a deleted file leaves its memory stale
    /// (a missing payload), which the schedulers make again.
    /// </remarks>
    private async Task<(int Memories, int Files)> PurgeWithCleanUpAsync(Scope actor, IReadOnlyList<MemoryItem> removed, AuditRecord audit, CancellationToken cancellationToken, IReadOnlyCollection<MemoryId>? unlessFrozen = null, ErasureLeft? left = null)
    {
        var leftovers = left ?? new ErasureLeft();
        audit = NotingForeignPayloads(audit, removed);
        var cubes = removed.GroupBy(i => i.CubeId, StringComparer.Ordinal).ToList();
        var handled = new HashSet<MemoryId>(); // a store that retries its transaction runs the step again: each file once
        int files = 0;
        var cleanUp = new PurgeCleanUp(
            BeforeCommit: ids =>
            {
                // Listeners first: they drop the purged text's snapshot, which a file that cannot be deleted must not keep.
                var gone = ids.ToHashSet();
                foreach (var cube in cubes.Where(c => c.Any(i => gone.Contains(i.Id))))
                {
                    TellAll(leftovers, listener => listener.OnMemoriesPurging(actor.Tenant, cube.Key));
                }

                files += DeletePayloadFiles(removed.Where(i => gone.Contains(i.Id) && handled.Add(i.Id)), leftovers.Files);
            },
            AfterCommit: _ =>
            {
                foreach (var cube in cubes)
                {
                    TellAll(leftovers, listener => listener.OnMemoriesChanged(actor.Tenant, cube.Key));

                    // One call per cube is enough: a listener drops the cube's persisted index, not one memory's entry.
                    TellAll(leftovers, listener => listener.OnMemoryPurged(actor.Tenant, cube.Key, cube.First().Id));
                }
            });
        int memories = await store.PurgeManyAsync(actor.Tenant, [.. removed.Select(i => i.Id)], audit, unlessFrozen, cleanUp, cancellationToken).ConfigureAwait(false);
        if (left is null && leftovers.Any)
        {
            throw FilesLeft($"Purged {memories} memor{(memories == 1 ? "y" : "ies")}", memories, leftovers);
        }

        return (memories, files);
    }

    /// <summary>
    /// Tells every listener of an erasure, committed or about to commit; one that throws (a snapshot it cannot delete) is kept in
    /// <paramref name="left"/> and the rest are still told, so neither they nor the file clean-up after them are skipped.
    /// </summary>
    private void TellAll(ErasureLeft left, Action<IMemoryChangeListener> tell)
    {
        foreach (var listener in listeners)
        {
            try
            {
                tell(listener);
            }
            catch (Exception ex)
            {
                // The erasure goes on (it has committed, or only its commit is left): whatever a listener throws is reported
                // with the rest once the clean-up is done.
                left.Listeners.Add(ex);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="payload"/> names one of this database's own payload files, which an erasure deletes: a file
    /// inside <see cref="MemoryOSOptions.PayloadFolder"/>, or, without one, any local file (see there).
    /// </summary>
    public bool OwnsPayloadFile(PayloadRef payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return options.PayloadFolder is not { } folder || payload.IsLocalFileIn(folder);
    }

    /// <summary>
    /// <paramref name="audit"/>, its detail noting the cartridge and adapter files of <paramref name="items"/> that the erasure
    /// leaves because they lie outside the payload folder (counted by folder): they may be another database's, so they are
    /// not deleted, and the log must say that files computed from the erased text may still be there.
    /// </summary>
    private AuditRecord NotingForeignPayloads(AuditRecord audit, IEnumerable<MemoryItem> items)
    {
        var foreign = items
            .Where(i => i.Kind is MemoryKind.Activation or MemoryKind.Parametric && i.Payload is { } p && !OwnsPayloadFile(p) && File.Exists(p.LocalPath))
            .Select(i => Path.GetFullPath(i.Payload!.LocalPath))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (foreign.Count == 0)
        {
            return audit;
        }

        string where = string.Join(", ", foreign.GroupBy(f => Path.GetDirectoryName(f) ?? f, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} ({g.Count()})")));
        string note = string.Create(CultureInfo.InvariantCulture, $"{foreign.Count} payload file(s) outside the payload folder {options.PayloadFolder} left (not this database's to delete), in {where}");
        return audit with { Detail = audit.Detail is null ? note : $"{audit.Detail}; {note}" };
    }

    /// <summary>Deletes the cartridge and adapter files of the activation and parametric memories among <paramref name="items"/>; returns how many, adding those it cannot delete to <paramref name="left"/>.</summary>
    private int DeletePayloadFiles(IEnumerable<MemoryItem> items, List<FileLeft> left)
    {
        int files = 0;
        foreach (var item in items.Where(i => i.Kind is MemoryKind.Activation or MemoryKind.Parametric))
        {
            try
            {
                files += DeleteLocalPayload(item.Payload) ? 1 : 0;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                left.Add(new FileLeft(item.Id, item.Payload!.LocalPath, ex.Message));
            }
        }

        return files;
    }

    /// <summary>
    /// The error of an erasure that committed <paramref name="erased"/> memories but left <paramref name="left"/>: the files,
    /// named, and the listeners' errors (as the inner exception: one, or an <see cref="AggregateException"/> of several).
    /// </summary>
    private static ErasureFilesLeftException FilesLeft(string done, int erased, ErasureLeft left)
    {
        var parts = new List<string>(2);
        if (left.Files.Count > 0)
        {
            parts.Add($"the file(s) computed from {left.Files.Count} of them could not be deleted and still hold their text; "
                + $"delete them by hand: {string.Join("; ", left.Files.Select(f => $"{f.Path} (memory {f.Memory}: {f.Error})"))}");
        }

        if (left.Listeners.Count > 0)
        {
            parts.Add($"{left.Listeners.Count} change listener call(s) failed, so what a listener derived from them (an index snapshot, a cache) may "
                + $"still hold their text: {string.Join("; ", left.Listeners.Select(e => $"{e.GetType().Name}: {e.Message}"))}");
        }

        Exception? inner = left.Listeners.Count switch
        {
            0 => null,
            1 => left.Listeners[0],
            _ => new AggregateException(left.Listeners),
        };
        return new($"{done}: the erasure is committed, but {string.Join("; and ", parts)}", [.. left.Files.Select(f => f.Path)], inner) { Erased = erased };
    }

    /// <summary>A payload file an erasure could not delete: the memory it was computed from, its local path and why.</summary>
    private readonly record struct FileLeft(MemoryId Memory, string Path, string Error);

    /// <summary>What a committed erasure could not clean up: payload files it could not delete, errors of listeners told of it.</summary>
    private sealed class ErasureLeft
    {
        public List<FileLeft> Files { get; } = [];

        public List<Exception> Listeners { get; } = [];

        public bool Any => Files.Count > 0 || Listeners.Count > 0;
    }

    // Only for an activation or parametric memory: its KV cartridge or LoRA adapter was computed from the purged text. Other
    // payloads (an image, a document the memory points at) are files the user owns, not copies. And only a local file that
    // still holds the bytes the memory recorded (PayloadRef.DeleteIfIntactLocalFile): a reference naming any other file
    // (the database, another tenant's cartridge) must not make a purge delete that file. And only one in the payload folder:
    // a cube restored from an archive of another database named that database's files, and deleting them emptied its copy.
    private bool DeleteLocalPayload(PayloadRef? payload) => payload is not null && OwnsPayloadFile(payload) && payload.DeleteIfIntactLocalFile();
}
