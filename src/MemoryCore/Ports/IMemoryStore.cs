namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// Persistence port. Every method takes the tenant and an implementation must confine every read and
/// write to it, whatever the other arguments say: that is the hard partition between tenants.
/// Every multi-row write is atomic.
/// </summary>
public interface IMemoryStore : IAsyncDisposable
{
    /// <summary>Creates a cube. Throws <see cref="Errors.CubeAlreadyExistsException"/> if the name is taken in the tenant.</summary>
    Task CreateCubeAsync(MemCube cube, AuditRecord audit, CancellationToken cancellationToken = default);

    /// <summary>Finds a cube by id or name in the tenant; null if none.</summary>
    Task<MemCube?> FindCubeAsync(string tenant, string idOrName, CancellationToken cancellationToken = default);

    /// <summary>Lists the tenant's cubes by name.</summary>
    Task<IReadOnlyList<MemCube>> ListCubesAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes a cube's metadata as one read-modify-write: reads the stored cube inside the write (no other write of the
    /// cube can come between), passes it to <paramref name="change"/> and stores the description, grants, policy and
    /// <see cref="MemCube.UpdatedAt"/> of its result (a cube keeps its id, name, owner and creation time), with
    /// <paramref name="audit"/>. Two callers changing different parts (one the grants, one the policy) therefore never undo
    /// each other. <paramref name="change"/> must not do I/O and may run more than once (a store may retry a transaction);
    /// an exception it throws aborts the update. Returns the cube as stored; throws
    /// <see cref="Errors.CubeNotFoundException"/> when the tenant has no cube <paramref name="cubeId"/>.
    /// </summary>
    Task<MemCube> UpdateCubeAsync(string tenant, string cubeId, Func<MemCube, MemCube> change, AuditRecord audit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a cube and everything the store keeps for it, in one transaction: its memories with every version, tag,
    /// link (in both directions, so memories of other cubes lose their links into it), embedding and change-feed entry
    /// but one purge record per memory it held (so an index another process keeps learns they are gone, even when a cube
    /// of the same id is restored before it looks), then the cube row itself. What the rest of the tenant says of those memories is scrubbed as
    /// <see cref="PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, CancellationToken)"/> scrubs it (links in other memories' version snapshots, state reasons naming them, the
    /// details of audit lines about or naming them), and the store clears what it keeps of the old text outside its live
    /// rows as after a purge. The audit log keeps its lines; <paramref name="audit"/> (which must hold no memory content)
    /// is appended and outlives the cube. Returns how many memories were removed, or null when the tenant has no cube
    /// <paramref name="cubeId"/> (then nothing is written).
    /// </summary>
    Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="DeleteCubeAsync(string, string, AuditRecord, CancellationToken)"/>, running <paramref name="cleanUp"/>'s
    /// steps as a purge does (<see cref="PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, PurgeCleanUp, CancellationToken)"/>),
    /// when the cube is there: inside the transaction just before its commit (with no ids: every memory of the cube goes)
    /// and right after the commit, before the store scrubs what it keeps of the old text. The default, for a store with no
    /// such moments, runs both after its delete.
    /// </summary>
    async Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, PurgeCleanUp cleanUp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cleanUp);
        int? removed = await DeleteCubeAsync(tenant, cubeId, audit, cancellationToken).ConfigureAwait(false);
        if (removed is { } count)
        {
            cleanUp.BeforeCommit?.Invoke([]);
            cleanUp.AfterCommit?.Invoke(count);
        }

        return removed;
    }

    /// <summary>
    /// Adds memories in one transaction: all are stored, or none. Items must all belong to
    /// <paramref name="tenant"/>. Returns one outcome per item, in order.
    /// </summary>
    /// <remarks>
    /// A link is stored only to a memory of the tenant, stored already or added by this call (items of one batch may link
    /// to each other, in either order); a link to anything else is dropped, so one chosen from a read taken before its
    /// target was purged does not bring the purged memory (or its reason's words) back. A link of one of
    /// <see cref="Links.LinkTypes.Derivations"/> to a memory not there fails the whole call with
    /// <see cref="Errors.MemoryStateException"/> instead: what was made from a purged memory must not outlive it, and kept
    /// without the link no later purge would find it. An item whose id a stored memory has (or an earlier item of the
    /// batch) fails the whole call with <see cref="Errors.MemoryStateException"/>; a store that retries writes whose outcome
    /// it lost may instead answer an item stored already with the same cube and content as not created.
    /// </remarks>
    Task<IReadOnlyList<AddOutcome>> AddAsync(string tenant, IReadOnlyList<MemoryItem> items, AddOptions options, AuditRecord audit, CancellationToken cancellationToken = default);

    /// <summary>The current version of a memory, or null if it is not in the tenant.</summary>
    Task<MemoryItem?> GetAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default);

    /// <summary>Current versions of several memories; missing ids are skipped.</summary>
    Task<IReadOnlyList<MemoryItem>> GetManyAsync(string tenant, IReadOnlyList<MemoryId> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="next"/> as the current version and keeps <paramref name="superseded"/> in the
    /// history, atomically. Fails with <see cref="Errors.MemoryVersionConflictException"/> if the stored version is no
    /// longer <paramref name="superseded"/>'s (a concurrent writer got there first). The recall counters (strength,
    /// last recall, count) stay as stored: <see cref="RecordRecallsAsync"/> changes them without a new version (only a
    /// merge, <see cref="MemoryReplacement.AbsorbsRecallsOf"/> in <see cref="ReplaceManyAsync"/>, combines them). Links of
    /// either version to a memory no longer in the tenant are dropped: versions written from a read taken before a purge
    /// must not bring back the links the purge removed.
    /// </summary>
    Task ReplaceAsync(string tenant, MemoryItem superseded, MemoryItem next, AuditRecord audit, CancellationToken cancellationToken = default) =>
        ReplaceManyAsync(tenant, [new MemoryReplacement(superseded, next, audit)], cancellationToken);

    /// <summary>
    /// Writes several new versions in one transaction, in order, each as <see cref="ReplaceAsync"/> writes one: all are
    /// stored, or none. An id may come more than once; each later replacement follows the one before it (its
    /// superseded version is the earlier one's next). A replacement that names <see cref="MemoryReplacement.AbsorbsRecallsOf"/>
    /// also takes over that memory's recall counters, in the same transaction. Fails with
    /// <see cref="Errors.MemoryVersionConflictException"/>, writing nothing, if any stored version is not the one its replacement expects.
    /// </summary>
    Task ReplaceManyAsync(string tenant, IReadOnlyList<MemoryReplacement> replacements, CancellationToken cancellationToken = default);

    /// <summary>All versions of a memory, oldest first (the last is the current one); empty if unknown.</summary>
    Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of a memory's versions: those numbered above <paramref name="afterVersion"/>, oldest first, at most
    /// <paramref name="limit"/> (the current one last when reached); empty if unknown. Only the page is read: each version
    /// is a full copy of the memory, and a memory may hold thousands.
    /// </summary>
    Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, long afterVersion, int limit, CancellationToken cancellationToken = default);

    /// <summary>Current versions matching the filter in id (creation) order, after <paramref name="after"/> if given.</summary>
    Task<IReadOnlyList<MemoryItem>> ListAsync(string tenant, MemoryFilter filter, int limit, MemoryId? after = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a memory and all its versions from every table and index, as <see cref="PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, CancellationToken)"/> does with one id.
    /// False if it was not there.
    /// </summary>
    Task<bool> PurgeAsync(string tenant, MemoryId id, AuditRecord audit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes several memories, in one transaction, under one audit line (forgetting a user, a purge with what was derived
    /// from it): ids not there are skipped. Returns how many were removed. With them go their versions, tags, embeddings,
    /// index entries and links in both directions; in the memories left, links to them leave every version snapshot and a
    /// state reason naming one is redacted; the details of audit lines about or naming one become
    /// <see cref="AuditRecord.RedactedDetail"/> (before <paramref name="audit"/> is appended). A store that can leave freed
    /// content behind (free pages, a write-ahead log, full-text segments, dead row versions) scrubs it before returning.
    /// When any of <paramref name="unlessFrozen"/> is frozen at the moment of the purge (checked inside its transaction,
    /// so a freeze committed after the caller read the memory counts), nothing is purged and
    /// <see cref="Errors.MemoryFrozenException"/> names it.
    /// </summary>
    Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, IReadOnlyCollection<MemoryId>? unlessFrozen = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, CancellationToken)"/>,
    /// running <paramref name="cleanUp"/>'s steps inside the transaction just before its commit and right after the
    /// commit, before the store scrubs what it keeps of the old text (which can take minutes). The default, for a store with
    /// no such moments, runs both after its purge.
    /// </summary>
    async Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, IReadOnlyCollection<MemoryId>? unlessFrozen, PurgeCleanUp cleanUp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(cleanUp);
        int removed = await PurgeManyAsync(tenant, ids, audit, unlessFrozen, cancellationToken).ConfigureAwait(false);
        cleanUp.BeforeCommit?.Invoke([.. ids.Distinct()]);
        cleanUp.AfterCommit?.Invoke(removed);
        return removed;
    }

    /// <summary>
    /// Ids of the tenant's memories (any state, any cube) with a link of one of <paramref name="linkTypes"/> to one of
    /// <paramref name="targets"/>: what was made from them (an activation memory <c>encodes</c> its sources, a summary is
    /// <c>derived-from</c> its evidence), or with a link of any type when <paramref name="linkTypes"/> is null (who points
    /// to a note). Each id once, in no particular order. Answered from the links' target index, not a scan.
    /// </summary>
    Task<IReadOnlyList<MemoryId>> FindLinkSourcesAsync(string tenant, IReadOnlyCollection<MemoryId> targets, IReadOnlyCollection<string>? linkTypes, CancellationToken cancellationToken = default);

    /// <summary>Full-text (BM25) search.</summary>
    Task<IReadOnlyList<LexicalMatch>> SearchLexicalAsync(string tenant, LexicalQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts for a tenant, or one cube of it.</summary>
    Task<StoreStats> GetStatsAsync(string tenant, string? cubeId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that live (active or frozen) memories were recalled at <paramref name="at"/>: in place, with
    /// no new version, since a recall is not a content change. Each memory's strength grows by
    /// <see cref="Forgetting.ForgettingCurve.Reinforce(MemoryItem, DateTimeOffset)"/>, its last-recalled time
    /// becomes <paramref name="at"/> and its recall count goes up by one, atomically, with one audit line
    /// per memory (<paramref name="audit"/> with the memory filled in). Unknown, other-tenant and
    /// non-live ids are skipped; duplicates count once. Returns the new counters of the memories updated.
    /// </summary>
    /// <remarks>The default implementation throws <see cref="NotSupportedException"/>, for stores that do not track recalls.</remarks>
    Task<IReadOnlyList<RecallRecord>> RecordRecallsAsync(string tenant, IReadOnlyList<MemoryId> ids, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not record recalls.");

    /// <summary>
    /// The change feed's last sequence number for one cube (0 when nothing was ever written to it). A cheap call made
    /// before every search, so derived indexes learn of other processes' writes.
    /// </summary>
    Task<long> GetChangeSequenceAsync(string tenant, string cubeId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Change-feed entries of one cube with a sequence above <paramref name="afterSequence"/>, oldest first, at most
    /// <paramref name="limit"/>. Every committed add, update, state change, recall, delete and purge is told here: a reader
    /// that has read up to any position finds, after it, an entry for each memory written since, and the last entry of a
    /// memory says what it is now (written or purged). A store may drop an entry once a later one names the same memory in
    /// the same cube (the SQLite, PostgreSQL and in-memory stores drop every earlier one but purges, so recalls do not grow
    /// the feed for ever): entries carry no content, and a reader re-reads the memory as it is now whichever entry told it.
    /// </summary>
    Task<IReadOnlyList<MemoryChangeRecord>> ReadChangesAsync(string tenant, string cubeId, long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Persisted embeddings of a cube's memories under <paramref name="embedder"/> (an identity naming model, version and
    /// dimension): those of <paramref name="ids"/>, or of the whole cube when null. Unknown ids are skipped.
    /// </summary>
    Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<MemoryId>? ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores (or replaces) embeddings under <paramref name="embedder"/>. An embedding of a memory that no longer exists
    /// (purged meanwhile, perhaps by another process) is dropped, never stored. Embeddings leave with their memory on purge.
    /// </summary>
    Task PutEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<StoredEmbedding> embeddings, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many of the tenant's memories (current versions) pass <paramref name="filter"/>, as <see cref="ListAsync"/>
    /// would list them. The default pages through <see cref="ListAsync"/>; a store should answer it with one query.
    /// </summary>
    async Task<long> CountAsync(string tenant, MemoryFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        long count = 0;
        MemoryId? after = null;
        while (true)
        {
            var page = await ListAsync(tenant, filter, 1000, after, cancellationToken).ConfigureAwait(false);
            count += page.Count;
            if (page.Count < 1000)
            {
                return count;
            }

            after = page[^1].Id;
        }
    }

    /// <summary>
    /// How many memories of the tenant (or of one cube) in <paramref name="states"/> have no embedding stored under
    /// <paramref name="embedder"/>: the work a background embedder still has (for <c>stats</c> and health reports).
    /// The default reads every memory and embedding; a store should answer it with one query.
    /// </summary>
    async Task<long> CountWithoutEmbeddingAsync(string tenant, string? cubeId, string embedder, IReadOnlyCollection<LifecycleState> states, CancellationToken cancellationToken = default)
    {
        long missing = 0;
        var cubes = cubeId is null ? (await ListCubesAsync(tenant, cancellationToken).ConfigureAwait(false)).Select(c => c.Id).ToList() : [cubeId];
        foreach (string cube in cubes)
        {
            var embedded = (await GetEmbeddingsAsync(tenant, cube, embedder, null, cancellationToken).ConfigureAwait(false)).Select(e => e.MemoryId).ToHashSet();
            MemoryId? after = null;
            while (true)
            {
                var page = await ListAsync(tenant, new MemoryFilter { CubeId = cube, States = [.. states] }, 1000, after, cancellationToken).ConfigureAwait(false);
                missing += page.Count(m => !embedded.Contains(m.Id));
                if (page.Count < 1000)
                {
                    break;
                }

                after = page[^1].Id;
            }
        }

        return missing;
    }

    /// <summary>
    /// Restores a cube exactly as exported, in one transaction: creates <paramref name="cube"/> and writes every memory's
    /// versions (oldest first, the last the current one) with their ids, version numbers, states and timestamps as given,
    /// and the archive's <paramref name="embeddings"/> (each of a memory among <paramref name="histories"/>) when given.
    /// Refuses the whole batch, writing nothing, if the cube's name or id is taken in the tenant
    /// (<see cref="Errors.CubeAlreadyExistsException"/>) or any memory id is already stored (<see cref="Errors.MemoryStateException"/>);
    /// a failure of any part (a full disk while the embeddings are written) leaves nothing of it either, so the same
    /// restore can simply be run again. <paramref name="progress"/> is told after each memory is written into the
    /// transaction, with the memories written and <paramref name="histories"/>' count: nothing is committed before the
    /// restore returns.
    /// </summary>
    Task RestoreCubeAsync(MemCube cube, IReadOnlyList<IReadOnlyList<MemoryItem>> histories, AuditRecord audit, Export.ArchivedEmbeddings? embeddings = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Audit lines of the tenant, oldest first, as <paramref name="query"/> selects them (null: the first 1,000), each
    /// with its <see cref="AuditRecord.Sequence"/> (the cursor for the next page).
    /// </summary>
    Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(string tenant, AuditQuery? query = null, CancellationToken cancellationToken = default);
}
