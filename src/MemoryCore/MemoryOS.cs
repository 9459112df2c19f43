using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using AgentMem.Common.Text;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Telemetry;
using AgentMem.MemoryCore.Time;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore;

/// <summary>
/// The facade agents and hosts use: cubes, memories, versions and search. It validates input, checks
/// cube grants, stamps ids, hashes, versions and times, and delegates persistence to an
/// <see cref="IMemoryStore"/> and ranking to an <see cref="IRetriever"/>.
/// Every call names the acting <see cref="Scope"/>; its tenant bounds everything the call can see.
/// </summary>
public sealed partial class MemoryOS : IAsyncDisposable
{
    private const int ListPageSize = 500;
    private const int FirstListPageSize = 64;
    private readonly IMemoryStore store;
    private readonly IRetriever retriever;
    private readonly Dictionary<string, IRetriever> retrievers = new(StringComparer.OrdinalIgnoreCase);
    private ImmutableArray<IMemoryChangeListener> listeners = [];
    private readonly MemoryOSOptions options;
    private readonly TimeProvider time;

    /// <summary>Creates the facade over a store and a retriever; it owns (and disposes) the store.</summary>
    public MemoryOS(IMemoryStore store, IRetriever retriever, MemoryOSOptions? options = null, TimeProvider? timeProvider = null)
        : this(store, [retriever], options, timeProvider)
    {
    }

    /// <summary>
    /// Creates the facade with several retrievers, selectable by name in <see cref="SearchAsync(Scope, string, string, SearchOptions, CancellationToken)"/>; the
    /// first is the default. Retrievers that implement <see cref="IMemoryChangeListener"/> are told of writes.
    /// </summary>
    public MemoryOS(IMemoryStore store, IReadOnlyList<IRetriever> retrievers, MemoryOSOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(retrievers);
        if (retrievers.Count == 0)
        {
            throw new ArgumentException("At least one retriever is needed.", nameof(retrievers));
        }

        this.store = new InstrumentedMemoryStore(store);
        retriever = retrievers[0];
        foreach (var r in retrievers)
        {
            ArgumentNullException.ThrowIfNull(r);
            if (!this.retrievers.TryAdd(r.Name, r))
            {
                throw new ArgumentException($"Two retrievers are named '{r.Name}'.", nameof(retrievers));
            }

            if (r is IMemoryChangeListener listener)
            {
                listeners = listeners.Add(listener);
            }
        }

        this.options = options ?? new MemoryOSOptions();
        this.options.Validate();
        time = StoredTime.Over(timeProvider ?? TimeProvider.System); // whole microseconds, which every store keeps
    }

    /// <summary>The name of the default retriever (the one <see cref="SearchAsync(Scope, string, string, SearchOptions, CancellationToken)"/> uses unless told otherwise).</summary>
    public string DefaultRetrieverName => retriever.Name;

    /// <summary>Names of the retrievers <see cref="SearchAsync(Scope, string, string, SearchOptions, CancellationToken)"/> can use.</summary>
    public IReadOnlyCollection<string> RetrieverNames => retrievers.Keys;

    /// <summary>
    /// The name of the retriever that <paramref name="name"/> selects, as the retriever spells it (names match ignoring case),
    /// or the default's for null: what a host reports as the retriever that ranked, whatever spelling the caller used.
    /// </summary>
    /// <exception cref="MemoryValidationException">No retriever has that name.</exception>
    public string ResolveRetrieverName(string? name) => Retriever(name).Name;

    // The one lookup of a retriever by name, so a search and what is reported about it agree.
    private IRetriever Retriever(string? name)
    {
        if (name is null)
        {
            return retriever;
        }

        return retrievers.TryGetValue(name, out var chosen)
            ? chosen
            : throw new MemoryValidationException($"No retriever named '{name}'; available: {string.Join(", ", retrievers.Keys)}.");
    }

    /// <summary>
    /// Adds a listener told after every committed write (e.g. an external index), until the returned handle is disposed.
    /// Safe from any thread: a write tells the listeners registered when it committed. Recalls are not told: they update
    /// counters in place (strength, last recall, count) on every recorded search, and reach followers through the change
    /// feed (<see cref="IMemoryStore.ReadChangesAsync"/>) like any write.
    /// </summary>
    public IDisposable AddChangeListener(IMemoryChangeListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ImmutableInterlocked.Update(ref listeners, (all, added) => all.Add(added), listener);
        return new ListenerRegistration(this, listener);
    }

    private sealed class ListenerRegistration(MemoryOS owner, IMemoryChangeListener listener) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                ImmutableInterlocked.Update(ref owner.listeners, (all, removed) => all.Remove(removed), listener);
            }
        }
    }

    /// <summary>The options in force.</summary>
    public MemoryOSOptions Options => options;

    /// <summary>Creates a cube owned by <paramref name="owner"/>. Names are unique within the tenant.</summary>
    public async Task<MemCube> CreateCubeAsync(Scope owner, string name, string? description = null, CubePolicy? policy = null, IReadOnlyList<CubeGrant>? grants = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        string cubeName = ScopeNames.RequireNew(name, "cube");
        var now = time.GetUtcNow();
        var cube = new MemCube
        {
            Id = MemoryId.NewId(now).ToString(),
            Owner = owner,
            Name = cubeName,
            Description = ContentRules.Optional(description, ContentRules.MaxNoteBytes, "cube description"), // a NUL failed on PostgreSQL alone
            Policy = ValidatePolicy(policy ?? new CubePolicy()),
            Grants = CubeAccessPolicy.ValidateGrants(grants),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.CreateCubeAsync(cube, Audit(owner, "cube.create", cube.Id, null, null, cubeName), cancellationToken).ConfigureAwait(false);
        return cube;
    }

    /// <summary>Opens a cube by id or name; throws <see cref="CubeNotFoundException"/> if the tenant has none.</summary>
    public Task<MemCube> OpenCubeAsync(Scope actor, string idOrName, CancellationToken cancellationToken = default) =>
        ResolveCubeAsync(actor, idOrName, CubeAccess.Read, cancellationToken);

    /// <summary>Opens the named cube for reading, creating it (owned by <paramref name="actor"/>) if it does not exist.</summary>
    public Task<MemCube> GetOrCreateCubeAsync(Scope actor, string name, CancellationToken cancellationToken = default) =>
        GetOrCreateCubeAsync(actor, name, CubeAccess.Read, cancellationToken);

    /// <summary>
    /// Opens the named cube, demanding <paramref name="needed"/> access to it when it exists, or creates it (owned by
    /// <paramref name="actor"/>, who then has full access). Before an add, ask for <see cref="CubeAccess.Write"/>: a grantee
    /// that may write a cube but not read it adds to it, as the add itself allows. Such a caller may not read the cube, so a
    /// host passes on no more of the returned record than its id and the name it asked for.
    /// </summary>
    /// <exception cref="MemoryValidationException"><paramref name="name"/> is not one a cube may have (a control character, say).</exception>
    /// <exception cref="CubeAccessDeniedException">The cube exists and the actor lacks <paramref name="needed"/>.</exception>
    public async Task<MemCube> GetOrCreateCubeAsync(Scope actor, string name, CubeAccess needed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        string cubeName = ScopeNames.Require(name, "cube"); // before the lookup, as ResolveCubeAsync checks it
        var existing = await store.FindCubeAsync(actor.Tenant, cubeName, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            try
            {
                CubeAccessPolicy.Demand(existing, actor, needed);
            }
            catch (CubeAccessDeniedException denied)
            {
                throw denied.ForCube(name); // as asked for: an id must not lead to the name
            }

            return existing;
        }

        try
        {
            return await CreateCubeAsync(actor, cubeName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CubeAlreadyExistsException)
        {
            // Another writer created it between our lookup and insert.
            return await ResolveCubeAsync(actor, cubeName, needed, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The tenant's cubes the actor can read.</summary>
    public async Task<IReadOnlyList<MemCube>> ListCubesAsync(Scope actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var all = await store.ListCubesAsync(actor.Tenant, cancellationToken).ConfigureAwait(false);
        return all.Where(c => (CubeAccessPolicy.Evaluate(c, actor) & CubeAccess.Read) != 0).ToList();
    }

    /// <summary>Replaces a cube's grants; only its owner may (a grantee, even with write access, cannot change who has access).</summary>
    public Task<MemCube> SetGrantsAsync(Scope actor, string cube, IReadOnlyList<CubeGrant> grants, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grants);
        var valid = CubeAccessPolicy.ValidateGrants(grants);
        return ChangeGrantsAsync(actor, cube, _ => valid, $"{grants.Count} grant(s)", cancellationToken);
    }

    /// <summary>
    /// Changes a cube's grants to what <paramref name="change"/> makes of the stored ones, applied inside the write: two
    /// grants given at once both hold, and a grant revoked meanwhile stays revoked (a list read earlier, changed and
    /// written whole undid the other's change). <paramref name="change"/> may run more than once and must do no I/O; an
    /// exception it throws (a <see cref="MemoryValidationException"/>, say) aborts the change. Only the owner may, as for
    /// <see cref="SetGrantsAsync(Scope, string, IReadOnlyList{CubeGrant}, CancellationToken)"/>.
    /// </summary>
    public Task<MemCube> SetGrantsAsync(Scope actor, string cube, Func<IReadOnlyList<CubeGrant>, IReadOnlyList<CubeGrant>> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return ChangeGrantsAsync(actor, cube, stored => CubeAccessPolicy.ValidateGrants(change(stored) ?? throw new MemoryValidationException("The grants change returned no grants.")), null, cancellationToken);
    }

    private async Task<MemCube> ChangeGrantsAsync(Scope actor, string cube, Func<IReadOnlyList<CubeGrant>, IReadOnlyList<CubeGrant>> change, string? detail, CancellationToken cancellationToken)
    {
        var current = await ResolveCubeAsync(actor, cube, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        CubeAccessPolicy.DemandOwner(current, actor, "change its grants");
        var now = time.GetUtcNow();

        // Only the grants change, on the cube as stored at the write: a policy change made since the read above stays.
        return await store.UpdateCubeAsync(actor.Tenant, current.Id, stored =>
        {
            CubeAccessPolicy.DemandOwner(stored, actor, "change its grants");
            return stored with { Grants = change(stored.Grants), UpdatedAt = now };
        }, Audit(actor, "cube.grants", current.Id, null, null, detail), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes a cube for good: its memories with their versions, links, embeddings and change feed, and the cube itself,
    /// scrubbing what other cubes and the audit log say of those memories as a purge would
    /// (<see cref="IMemoryStore.DeleteCubeAsync(string, string, AuditRecord, CancellationToken)"/>). Only the owner may: a grantee cannot destroy what it was lent. One
    /// audit line (<c>cube.delete</c>, naming the cube, no content) outlives it. Frozen memories do not hold the cube back:
    /// deleting a cube is the owner's explicit decision about all of it. As a purge does, it also purges what was derived
    /// from those memories in other cubes (summaries, cartridges) and deletes the cartridge and adapter files of its own
    /// activation and parametric memories. Returns how many memories were removed from the cube.
    /// </summary>
    /// <exception cref="ErasureFilesLeftException">The cube is deleted, but a cartridge or adapter file computed from its memories could not be deleted (named), or a change listener threw (its error is the inner exception).</exception>
    public async Task<int> DeleteCubeAsync(Scope actor, string cube, CancellationToken cancellationToken = default)
    {
        var current = await ResolveCubeAsync(actor, cube, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        CubeAccessPolicy.DemandOwner(current, actor, "delete it");

        // What outlives the cube's rows otherwise: payload files computed from its text, and memories elsewhere derived from it.
        var held = new List<MemoryId>();
        var payloads = new List<MemoryItem>();
        var all = new MemoryFilter { CubeId = current.Id, States = Enum.GetValues<LifecycleState>() };
        for (MemoryId? after = null; ;)
        {
            var page = await store.ListAsync(actor.Tenant, all, 1000, after, cancellationToken).ConfigureAwait(false);
            held.AddRange(page.Select(i => i.Id));
            payloads.AddRange(page.Where(i => i.Kind is MemoryKind.Activation or MemoryKind.Parametric));
            if (page.Count < 1000)
            {
                break;
            }

            after = page[^1].Id;
        }

        // Derived memories first, in their own purge, while the links that lead to them still exist: the cube's delete
        // scrubs links into it, after which nothing would find them again.
        var derivedIds = await WithDerivationsAsync(actor.Tenant, held, cancellationToken).ConfigureAwait(false);
        derivedIds.ExceptWith(held);
        var derived = derivedIds.Count == 0 ? [] : await store.GetManyAsync(actor.Tenant, [.. derivedIds], cancellationToken).ConfigureAwait(false);
        // A file that cannot be deleted does not stop the delete; it is named once everything else is done.
        // Nor does a listener that throws: the others are still told and the files still deleted.
        var left = new ErasureLeft();
        int derivedPurged = 0;
        if (derived.Count > 0)
        {
            string detail = string.Create(CultureInfo.InvariantCulture, $"derived from cube {current.Name}, being deleted: {derived.Count} memor{(derived.Count == 1 ? "y" : "ies")}");
            (derivedPurged, _) = await PurgeWithCleanUpAsync(actor, derived, Audit(actor, "purge", null, null, null, detail), cancellationToken, left: left).ConfigureAwait(false);
        }

        // As a purge's: the cube's snapshot and payload files go inside the transaction, just before its commit, and the
        // listeners learn of the delete right after it, before the store rebuilds the file (minutes for a large one).
        var handled = new HashSet<MemoryId>(); // a store that retries its transaction runs the step again: each file once
        var cleanUp = new PurgeCleanUp(
            BeforeCommit: _ =>
            {
                TellAll(left, listener => listener.OnMemoriesPurging(actor.Tenant, current.Id));
                DeletePayloadFiles(payloads.Where(p => handled.Add(p.Id)), left.Files);
            },
            AfterCommit: _ => TellAll(left, listener => listener.OnCubeDeleted(actor.Tenant, current.Id)));
        int removed = await store.DeleteCubeAsync(actor.Tenant, current.Id, NotingForeignPayloads(Audit(actor, "cube.delete", current.Id, null, null, current.Name), payloads), cleanUp, cancellationToken).ConfigureAwait(false)
            ?? throw new CubeNotFoundException($"No cube '{cube}' in tenant '{actor.Tenant}' (deleted meanwhile?).");
        return !left.Any ? removed : throw FilesLeft($"Deleted cube '{current.Name}' and its {removed} memor{(removed == 1 ? "y" : "ies")}", removed + derivedPurged, left);
    }

    /// <summary>
    /// The TTL sweep a service runs in the background: for every cube of <paramref name="tenant"/> with a
    /// <see cref="CubePolicy.HardDeleteAfterDays"/>, runs the <see cref="Forgetting.ExpiryJob"/> as the cube's owner (who
    /// set the TTL), so each purge is audited under the owner. Returns how many memories were purged in all.
    /// </summary>
    /// <remarks>
    /// A system entry point: it acts for each owner, so only hosts call it, never on a request's behalf. A cube whose sweep
    /// fails (its purge committed but a file or index was left, the store refused) does not stop the cubes after it: each is
    /// swept, and the failures are thrown together at the end.
    /// </remarks>
    /// <exception cref="ExpirySweepException">The sweep failed in one or more cubes (named, each with its error); the others were swept, and <see cref="ExpirySweepException.Purged"/> counts what was purged in all.</exception>
    public async Task<int> SweepExpiredAsync(string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        var job = new Forgetting.ExpiryJob();
        int purged = 0;
        var failedCubes = new List<string>();
        var errors = new List<Exception>();
        foreach (var cube in await store.ListCubesAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            if (cube.Policy.HardDeleteAfterDays <= 0)
            {
                continue;
            }

            var context = new Maintenance.MaintenanceContext(this, cube.Owner, cube, time.GetUtcNow(), DryRun: false);
            try
            {
                var result = await job.RunAsync(context, cancellationToken: cancellationToken).ConfigureAwait(false);
                purged += result.Counts["purged"];
            }
            catch (CubeNotFoundException)
            {
                // Deleted while the sweep ran: nothing left to expire.
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One cube's failure (a snapshot it cannot delete, again each round) must not keep the cubes after it
                // from expiring, and an erasure that committed still counts.
                purged += (ex as ErasureFilesLeftException)?.Erased ?? 0;
                failedCubes.Add(cube.Name);
                errors.Add(ex);
            }
        }

        return errors.Count == 0 ? purged : throw new ExpirySweepException(
            string.Create(CultureInfo.InvariantCulture, $"The hard-delete TTL sweep of tenant '{tenant}' purged {purged} memor{(purged == 1 ? "y" : "ies")}, but failed in {failedCubes.Count} cube(s): {string.Join(", ", failedCubes.Zip(errors, (c, e) => $"'{c}' ({e.GetType().Name})"))}"),
            purged,
            failedCubes,
            errors);
    }

    /// <summary>Adds one memory; returns its id (or the existing id when de-duplicated).</summary>
    public async Task<AddOutcome> AddAsync(Scope actor, string cube, MemoryDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var outcomes = await AddBatchAsync(actor, cube, [draft], cancellationToken).ConfigureAwait(false);
        return outcomes[0];
    }

    /// <summary>
    /// <see cref="AddAsync"/> of a job's draft (a fact's <see cref="LinkTypes.Supersedes"/>, a note's suggested links): a link
    /// to one of <paramref name="jobTargets"/>, which come from the job's own earlier reads, is dropped by the store when its
    /// target was purged since (during an LLM call of seconds), as <see cref="WriteVersionsAsync(Scope, IReadOnlyList{MemoryId}, string, Func{int, MemoryItem, DateTimeOffset, VersionPlan?}, CancellationToken)"/>
    /// does; the draft's other links are checked as a caller's are.
    /// </summary>
    internal async Task<AddOutcome> AddFromJobAsync(Scope actor, string cube, MemoryDraft draft, IReadOnlySet<MemoryId> jobTargets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var outcomes = await AddBatchCoreAsync(actor, cube, [draft], matchSourceRef: false, jobTargets, cancellationToken).ConfigureAwait(false);
        return outcomes[0];
    }

    /// <summary>
    /// Adds memories atomically: every draft is validated first, then all are written in one
    /// transaction, so a failure leaves none of them behind.
    /// </summary>
    /// <remarks>
    /// With the cube's <see cref="CubePolicy.Deduplicate"/>, a draft whose content the same user and agent already hold in
    /// the cube, from the same speaker (<see cref="MemoryDraft.Actor"/>; in any session), is not stored again: its outcome
    /// names that memory (<see cref="AddOutcome.Created"/> false), in whatever state it is (an archived one stays archived:
    /// an import run again must not undo forgetting). Another speaker's identical words are a memory of their own. A caller
    /// for whom the add is a restatement (a user saying it again) brings a forgotten one back with <see cref="RestoreRestatedAsync"/>.
    /// </remarks>
    public Task<IReadOnlyList<AddOutcome>> AddBatchAsync(Scope actor, string cube, IReadOnlyList<MemoryDraft> drafts, CancellationToken cancellationToken = default) =>
        AddBatchCoreAsync(actor, cube, drafts, matchSourceRef: false, jobTargets: null, cancellationToken);

    /// <summary>
    /// <see cref="AddBatchAsync"/> of memories that are known by their source as well as their words, such as dialogue turns:
    /// with the cube's <see cref="CubePolicy.Deduplicate"/>, a draft is the same as a stored memory (or an earlier draft of the
    /// batch) only if its <see cref="MemoryDraft.SourceRef"/> is the same too (<see cref="AddOptions.MatchSourceRef"/>). Two
    /// turns with the same words ("yes", "thanks", a stock greeting), in two conversations or in one, are two memories; the
    /// same turn written again (its own reference) is one. A conversation import and <c>MemoryAgent</c> write their turns so
    /// (give each turn a reference of its own), and the session summary job its summaries (<c>session:{id}</c>).
    /// </summary>
    public Task<IReadOnlyList<AddOutcome>> AddTurnsAsync(Scope actor, string cube, IReadOnlyList<MemoryDraft> drafts, CancellationToken cancellationToken = default) =>
        AddBatchCoreAsync(actor, cube, drafts, matchSourceRef: true, jobTargets: null, cancellationToken);

    /// <summary>
    /// <see cref="AddBatchAsync"/>; with <paramref name="matchSourceRef"/>, de-duplication also needs the same source
    /// reference (<see cref="AddTurnsAsync"/>); links to <paramref name="jobTargets"/>
    /// are not checked (<see cref="AddFromJobAsync"/>).
    /// </summary>
    internal async Task<IReadOnlyList<AddOutcome>> AddBatchCoreAsync(Scope actor, string cube, IReadOnlyList<MemoryDraft> drafts, bool matchSourceRef, IReadOnlySet<MemoryId>? jobTargets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        var target = await ResolveCubeAsync(actor, cube, CubeAccess.Write, cancellationToken).ConfigureAwait(false);
        if (drafts.Count == 0)
        {
            return [];
        }

        var items = BuildItems(actor, target, drafts, time.GetUtcNow());
        await RequireLinkTargetsAsync(actor, [.. items.SelectMany(i => i.Links).Select(l => l.Target).Where(t => jobTargets?.Contains(t) != true)], cancellationToken).ConfigureAwait(false);

        using var activity = MemoryCoreTelemetry.Source.StartActivity("memory.add");
        if (activity is not null)
        {
            activity.SetTag(MemoryCoreTelemetry.TenantTag, actor.Tenant);
            activity.SetTag(MemoryCoreTelemetry.CubeTag, target.Id);
            activity.SetTag("agentmem.batch_size", items.Length);
        }

        var addOptions = new AddOptions(target.Policy.Deduplicate, target.Policy.MaxItems, matchSourceRef);
        var outcomes = await StoreAddAsync(actor, cube, target, items, addOptions, Audit(actor, "add", target.Id, null, 1, null), cancellationToken).ConfigureAwait(false);
        int created = outcomes.Count(o => o.Created);
        if (created > 0)
        {
            MemoryCoreTelemetry.MemoriesAdded.Add(created);
            Notify(actor.Tenant, target.Id);
        }


        activity?.SetTag(MemoryCoreTelemetry.ResultCountTag, created);

        return outcomes;
    }

    /// <summary>
    /// <see cref="IMemoryStore.AddAsync"/> into <paramref name="target"/> (named <paramref name="cube"/> by the caller). The
    /// store's <see cref="CubeFullException"/> names how many live memories the cube would hold; a caller that may not read
    /// the cube (a grantee that may only add) is told only the limit, as <see cref="CountAsync"/> would tell it nothing. A
    /// cube deleted since it was found is named as the caller named it: the store knows it by its id only.
    /// </summary>
    private async Task<IReadOnlyList<AddOutcome>> StoreAddAsync(Scope actor, string cube, MemCube target, IReadOnlyList<MemoryItem> items, AddOptions addOptions, AuditRecord audit, CancellationToken cancellationToken)
    {
        try
        {
            return await store.AddAsync(actor.Tenant, items, addOptions, audit, cancellationToken).ConfigureAwait(false);
        }
        catch (CubeFullException) when ((CubeAccessPolicy.Evaluate(target, actor) & CubeAccess.Read) != CubeAccess.Read)
        {
            // Not wrapped: the store's exception, as an inner one, would carry the count to whoever logs or shows it.
            throw new CubeFullException(string.Create(CultureInfo.InvariantCulture, $"Cube '{cube}' is full: its policy allows {addOptions.MaxLiveItems:N0} live memories. Nothing from this batch was stored."));
        }
        catch (CubeNotFoundException ex)
        {
            throw new CubeNotFoundException($"No cube '{cube}' in tenant '{actor.Tenant}' (deleted meanwhile?).", ex);
        }
    }

    /// <summary>
    /// Restores the archived (forgotten) memories that adds of <paramref name="outcomes"/> were de-duplicated to, and records
    /// the restatement as a recall: a fact the user states again is no longer forgotten (left archived, the caller was told
    /// "already remembered" of a memory no search returns). Each is restored at the version read: one deleted, edited or
    /// restored meanwhile is left as it is, and so is one the actor may not change (restoring needs read and write: a
    /// grantee who may only add restores nothing). Returns the ids restored.
    /// </summary>
    public async Task<IReadOnlyList<MemoryId>> RestoreRestatedAsync(Scope actor, IReadOnlyList<AddOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(outcomes);
        var existing = outcomes.Where(o => !o.Created).Select(o => o.Id).Distinct().ToList();
        if (existing.Count == 0)
        {
            return [];
        }

        var restored = new List<MemoryId>();
        foreach (var item in await store.GetManyAsync(actor.Tenant, existing, cancellationToken).ConfigureAwait(false))
        {
            if (item.State != LifecycleState.Archived)
            {
                continue;
            }

            try
            {
                var change = new MemoryStateChange(item.Id, LifecycleState.Active, "restated: restored from the archive") { ExpectedVersion = item.Version };
                await SetStateManyAsync(actor, [change], cancellationToken).ConfigureAwait(false);
                restored.Add(item.Id);
            }
            catch (Exception ex) when (ex is MemoryStateException or MemoryNotFoundException or CubeAccessDeniedException)
            {
                // Changed since it was read (edited, deleted, purged or restored by someone else), or not the actor's to
                // change: it stays as it is.
            }
        }

        // Each restore was recorded as a recall by SetStateManyAsync: recording it here too counted the restatement twice.
        return restored;
    }

    /// <summary>
    /// Imports memories exported from Mem0 (a JSON file, see <see cref="Import.Mem0Reader"/>) into a cube the actor may
    /// write, in one transaction, keeping their times, sessions (<c>run_id</c>) and ids as provenance. The memories are the
    /// actor's, as an add's are: an actor that names a user (or agent) gets its own on a memory naming none, and a memory
    /// naming another refuses the whole file; only the tenant's scope (no user, no agent) keeps the users and agents the
    /// file names. The cube's policy applies as to
    /// any add: with <see cref="CubePolicy.Deduplicate"/>, a memory whose text its user and agent already hold live in the
    /// cube from the same speaker is not stored again (its outcome has <see cref="AddOutcome.Created"/> false and names the memory that holds
    /// it), so importing the same file again adds nothing; and the item limit holds. One outcome per memory, in file order.
    /// </summary>
    /// <exception cref="AccessDeniedException">A memory of the file names a user or agent other than the actor's: nothing was stored.</exception>
    public async Task<IReadOnlyList<AddOutcome>> ImportMem0Async(Scope actor, string cube, string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = await ResolveCubeAsync(actor, cube, CubeAccess.Write, cancellationToken).ConfigureAwait(false);
        var items = Import.Mem0Reader.ReadFile(path, actor, target.Id, options.MaxContentBytes, options.MaxLabels);
        var outcomes = await StoreAddAsync(actor, cube, target, items, new AddOptions(target.Policy.Deduplicate, target.Policy.MaxItems), Audit(actor, "import", target.Id, null, null, "mem0"), cancellationToken).ConfigureAwait(false);
        int created = outcomes.Count(o => o.Created);
        if (created > 0)
        {
            MemoryCoreTelemetry.MemoriesAdded.Add(created);
            Notify(actor.Tenant, target.Id);
        }

        return outcomes;
    }

    /// <summary>The current version of a memory; throws <see cref="MemoryNotFoundException"/> if unknown in the tenant.</summary>
    public async Task<MemoryItem> GetAsync(Scope actor, MemoryId id, CancellationToken cancellationToken = default)
    {
        var (item, _) = await LoadAsync(actor, id, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        return item;
    }

    /// <summary>
    /// Writes a new version with the given changes; the previous version is kept as
    /// <see cref="LifecycleState.Superseded"/> with the reason. Frozen and deleted memories are refused, and so is a new text
    /// of a superseded memory (restore it first: its text is what it said when it was replaced). An archived or superseded
    /// memory keeps its state and the reason for it. A change that changes nothing writes no version and returns the
    /// memory as it is. A new text counts as a recall (see <see cref="UpdateManyAsync"/>).
    /// </summary>
    public async Task<MemoryItem> UpdateAsync(Scope actor, MemoryId id, MemoryChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var updated = await UpdateManyAsync(actor, [new MemoryUpdate(id, change)], cancellationToken).ConfigureAwait(false);
        return updated[0];
    }

    /// <summary>
    /// Moves a memory to <see cref="LifecycleState.Active"/>, <see cref="LifecycleState.Archived"/> or
    /// <see cref="LifecycleState.Frozen"/> (freeze, unfreeze, archive, restore), as a new version. Only an active memory
    /// is frozen (a frozen one is searched: freezing an archived, deleted or superseded one would bring it back), and a
    /// frozen one only unfrozen.
    /// </summary>
    public async Task<MemoryItem> SetStateAsync(Scope actor, MemoryId id, LifecycleState state, string? reason = null, CancellationToken cancellationToken = default)
    {
        var after = await SetStateManyAsync(actor, [new MemoryStateChange(id, state, reason)], cancellationToken).ConfigureAwait(false);
        return after[0];
    }

    /// <summary>
    /// Soft delete: writes a <see cref="LifecycleState.Deleted"/> tombstone version. Deleting twice is a no-op, also when
    /// another writer's delete (or edit) lands between this call's read and its write: it is decided again from a fresh read.
    /// </summary>
    public Task<MemoryItem> DeleteAsync(Scope actor, MemoryId id, string? reason = null, CancellationToken cancellationToken = default) =>
        DeleteAsync(actor, id, reason, expectedVersion: null, cancellationToken);

    /// <summary>
    /// <see cref="DeleteAsync(Scope, MemoryId, string?, CancellationToken)"/> of the version the caller read: when the memory
    /// has moved on since (another writer's edit), the delete is refused with a <see cref="MemoryStateException"/> instead
    /// of throwing that edit away.
    /// </summary>
    public Task<MemoryItem> DeleteAsync(Scope actor, MemoryId id, string? reason, int expectedVersion, CancellationToken cancellationToken = default) =>
        DeleteAsync(actor, id, reason, (int?)expectedVersion, cancellationToken);

    private async Task<MemoryItem> DeleteAsync(Scope actor, MemoryId id, string? reason, int? expectedVersion, CancellationToken cancellationToken)
    {
        string why = Reason(reason) ?? "deleted";
        var after = await WriteVersionsAsync(actor, [id], "memory.delete", (_, current, now) =>
        {
            RequireVersion(current, expectedVersion, "delete");
            if (current.State == LifecycleState.Deleted)
            {
                return null;
            }

            EnsureWritable(current, "delete");
            return new VersionPlan(current with { State = LifecycleState.Deleted, StateReason = why, Version = current.Version + 1, UpdatedAt = now }, why, "delete");
        }, linksFromCaller: false, onRetry: static () => { }, cancellationToken).ConfigureAwait(false); // the plan notes nothing to drop
        return after[0];
    }

    /// <summary>Every version of a memory, oldest first; superseded versions carry their reason.</summary>
    public async Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(Scope actor, MemoryId id, CancellationToken cancellationToken = default)
    {
        await LoadAsync(actor, id, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        return await store.GetHistoryAsync(actor.Tenant, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A page of a memory's versions, oldest first: those numbered above <paramref name="after"/> (the last version of a
    /// previous page; 0 from the first), at most <paramref name="limit"/>. Only the page is read from the store.
    /// </summary>
    public async Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(Scope actor, MemoryId id, int limit, long after, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        await LoadAsync(actor, id, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        return await store.GetHistoryAsync(actor.Tenant, id, after, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams the cube's memories in creation order.</summary>
    public IAsyncEnumerable<MemoryItem> ListAsync(Scope actor, string cube, MemoryFilter? filter = null, CancellationToken cancellationToken = default) =>
        ListAsync(actor, cube, filter, after: null, cancellationToken);

    /// <summary>
    /// Streams the cube's memories in creation (id) order, from the one after <paramref name="after"/> (the last id of a
    /// previous page; null from the first): a caller reading in pages reaches every memory.
    /// </summary>
    public async IAsyncEnumerable<MemoryItem> ListAsync(Scope actor, string cube, MemoryFilter? filter, MemoryId? after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        filter = ValidateFilter(filter);
        var target = await ResolveCubeAsync(actor, cube, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        await foreach (var item in ListPagedAsync(actor.Tenant, (filter ?? new MemoryFilter()) with { CubeId = target.Id }, after, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <summary>How many memories <see cref="ListAsync(Scope, string, MemoryFilter?, CancellationToken)"/> would stream for the same arguments, counted by the store without reading them.</summary>
    public async Task<long> CountAsync(Scope actor, string cube, MemoryFilter? filter = null, CancellationToken cancellationToken = default)
    {
        filter = ValidateFilter(filter);
        var target = await ResolveCubeAsync(actor, cube, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        return await store.CountAsync(actor.Tenant, (filter ?? new MemoryFilter()) with { CubeId = target.Id }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The store's memories matching <paramref name="filter"/>, page by page in id order; no access check.</summary>
    /// <remarks>
    /// Pages start small and double up to <see cref="ListPageSize"/>: a reader that stops early, such as a context build that
    /// only needs the cube's first memories to see whether it fits its budget, reads dozens of rows instead of hundreds,
    /// while a reader of the whole cube makes only three more calls.
    /// </remarks>
    private async IAsyncEnumerable<MemoryItem> ListPagedAsync(string tenant, MemoryFilter filter, MemoryId? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int pageSize = FirstListPageSize;
        while (true)
        {
            var page = await store.ListAsync(tenant, filter, pageSize, after, cancellationToken).ConfigureAwait(false);
            foreach (var item in page)
            {
                yield return item;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            after = page[^1].Id;
            pageSize = Math.Min(pageSize * 2, ListPageSize);
        }
    }

    /// <summary>Searches the cube with the default retriever, or the one named <paramref name="retrieverName"/>.</summary>
    public Task<IReadOnlyList<SearchHit>> SearchAsync(Scope actor, string cube, string query, int? k = null, MemoryFilter? filter = null, string? retrieverName = null, CancellationToken cancellationToken = default) =>
        SearchAsync(actor, cube, query, new SearchOptions { K = k, Filter = filter, Retriever = retrieverName }, cancellationToken);

    /// <summary>Searches the cube as <paramref name="search"/> says, with or without recording the hits as recalled.</summary>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(Scope actor, string cube, string query, SearchOptions search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        IRetriever chosen = Retriever(search.Retriever);

        ContentRules.ValidateQuery(query, options.MaxQueryBytes);
        var filter = ValidateFilter(search.Filter);
        int take = search.K ?? options.DefaultSearchK;
        if (take < 1 || take > options.MaxSearchK)
        {
            throw new MemoryValidationException($"k must be between 1 and {options.MaxSearchK}; got {take}.");
        }

        using var activity = MemoryCoreTelemetry.Source.StartActivity("memory.search");
        var target = await ResolveCubeAsync(actor, cube, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        if (activity is not null)
        {
            activity.SetTag(MemoryCoreTelemetry.TenantTag, actor.Tenant);
            activity.SetTag(MemoryCoreTelemetry.CubeTag, target.Id);
            activity.SetTag(MemoryCoreTelemetry.RetrieverTag, chosen.Name);
            activity.SetTag("agentmem.k", take);
        }

        MemoryCoreTelemetry.Searches.Add(1, new KeyValuePair<string, object?>(MemoryCoreTelemetry.RetrieverTag, chosen.Name));
        var scoped = (filter ?? new MemoryFilter()) with { CubeId = target.Id };
        var hits = await chosen.SearchAsync(new SearchRequest(actor.Tenant, query, scoped, take), cancellationToken).ConfigureAwait(false);
        activity?.SetTag(MemoryCoreTelemetry.ResultCountTag, hits.Count);
        if ((search.RecordRecall ?? options.ReinforceOnSearch) && hits.Count > 0)
        {
            // The hits keep the counters they were ranked with; the store holds the reinforced ones. On a full disk, or with
            // a store that does not track recalls (the interface's default), the reinforcement is skipped rather than
            // failing the search: a read must keep working where recalls cannot be written.
            try
            {
                await store.RecordRecallsAsync(actor.Tenant, hits.Select(h => h.Item.Id).ToList(), time.GetUtcNow(), Audit(actor, "recall", target.Id, null, null, "search"), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NotSupportedException or StorageFullException)
            {
            }
        }

        return hits;
    }

    /// <summary>
    /// Records that the caller recalled (used) these memories now: each live one is reinforced on the
    /// forgetting curve in place (strength, last-recalled time, recall count), with an audit line and no
    /// new version, since a recall changes no content. Reading the memory's cube is enough. Ids the
    /// tenant does not hold are refused; archived, superseded and deleted memories are skipped.
    /// </summary>
    public async Task<IReadOnlyList<RecallRecord>> RecordRecallAsync(Scope actor, IReadOnlyList<MemoryId> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        var items = await store.GetManyAsync(actor.Tenant, ids.Distinct().ToList(), cancellationToken).ConfigureAwait(false);
        if (items.Count != ids.Distinct().Count())
        {
            var missing = ids.First(id => items.All(i => i.Id != id));
            throw NotFound(missing);
        }

        foreach (string cubeId in items.Select(i => i.CubeId).Distinct(StringComparer.Ordinal))
        {
            var cube = await store.FindCubeAsync(actor.Tenant, cubeId, cancellationToken).ConfigureAwait(false) ?? throw new CubeNotFoundException($"No cube '{cubeId}' in tenant '{actor.Tenant}'.");
            DemandForMemories(cube, actor, CubeAccess.Read, ids, items);
        }

        return await store.RecordRecallsAsync(actor.Tenant, items.Select(i => i.Id).ToList(), time.GetUtcNow(), Audit(actor, "recall", null, null, null, null), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Invalidates a fact: writes a new version in state <see cref="LifecycleState.Superseded"/> with the
    /// reason, its event end (<see cref="MemoryItem.ValidTo"/>) set to <paramref name="validTo"/> (default
    /// now, never before its start) and <paramref name="links"/> added (e.g. <see cref="LinkTypes.SupersededBy"/>
    /// its successor, which must be stored: see <see cref="MemoryChange.Links"/>). Superseded memories drop out of default
    /// retrieval but keep their history. Frozen, deleted and already superseded memories are refused.
    /// </summary>
    /// <remarks>With <paramref name="keepValidity"/> the event interval is left as it is: for a merge, where the fact still holds in its survivor.</remarks>
    public async Task<MemoryItem> SupersedeAsync(Scope actor, MemoryId id, string reason, IReadOnlyList<MemoryLink>? links = null, DateTimeOffset? validTo = null, bool keepValidity = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var after = await WriteVersionsAsync(actor, [id], "memory.supersede", (_, current, now) => Superseding(current, reason, links, validTo, keepValidity, now), linksFromCaller: true, onRetry: null, cancellationToken).ConfigureAwait(false);
        return after[0];
    }

    /// <summary>
    /// Replaces a cube's policy (forgetting threshold, limits, de-duplication); only a scope with read and write access may
    /// do it, and only the owner may change <see cref="CubePolicy.HardDeleteAfterDays"/>: a TTL destroys data, as deleting
    /// the cube does. Write access alone is not enough, as it is not for a state change or a purge: the policy decides what
    /// becomes of every memory in the cube (a forgetting threshold archives them, an item limit refuses the owner's adds),
    /// which a grantee that may not read them must not decide; and the cube returned, grants included, is what a read shows.
    /// </summary>
    /// <exception cref="CubeAccessDeniedException">The actor may not both read and write the cube.</exception>
    /// <exception cref="AccessDeniedException">The policy changes the hard-delete TTL and the actor is not the owner.</exception>
    public Task<MemCube> SetPolicyAsync(Scope actor, string cube, CubePolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ValidatePolicy(policy);
        return SetPolicyAsync(actor, cube, _ => policy, cancellationToken);
    }

    /// <summary>
    /// Changes a cube's policy to what <paramref name="change"/> makes of the stored one, applied inside the write: two
    /// callers changing different members at once both keep theirs (a change merged into a policy read earlier and
    /// written whole undid the other's). Access as for <see cref="SetPolicyAsync(Scope, string, CubePolicy, CancellationToken)"/>.
    /// </summary>
    public async Task<MemCube> SetPolicyAsync(Scope actor, string cube, Func<CubePolicy, CubePolicy> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var current = await ResolveCubeAsync(actor, cube, CubeAccess.ReadWrite, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();

        // Only the policy changes, on the cube as stored at the write: grants changed since the read above (a revoked
        // grant above all) stay as they are, and access is checked again against them.
        return await store.UpdateCubeAsync(actor.Tenant, current.Id, stored =>
        {
            Demand(stored, actor, CubeAccess.ReadWrite, cube);
            var valid = ValidatePolicy(change(stored.Policy) ?? throw new MemoryValidationException("The policy change returned no policy."));
            if (valid.HardDeleteAfterDays != stored.Policy.HardDeleteAfterDays)
            {
                CubeAccessPolicy.DemandOwner(stored, actor, "change its hard-delete TTL");
            }

            return stored with { Policy = valid, UpdatedAt = now };
        }, Audit(actor, "cube.policy", current.Id, null, null, null), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The time source this facade stamps writes with (maintenance jobs use it for "now"): the clock it was given, read to
    /// whole microseconds, the precision every store keeps.
    /// </summary>
    public TimeProvider TimeProvider => time;

    /// <summary>Counts for one cube the actor can read, or without a cube for the tenant (as far as the actor can read it).</summary>
    public async Task<StoreStats> GetStatsAsync(Scope actor, string? cube = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (cube is not null)
        {
            string cubeId = (await ResolveCubeAsync(actor, cube, CubeAccess.Read, cancellationToken).ConfigureAwait(false)).Id;
            return await store.GetStatsAsync(actor.Tenant, cubeId, cancellationToken).ConfigureAwait(false);
        }

        // The tenant's counts are the actor's only when it can read every cube: otherwise they told a user how many memories
        // other users' cubes hold. Then they are the sums over the cubes it can read, without the store's size (which is
        // everyone's) and without audit lines that name no cube.
        var cubes = await store.ListCubesAsync(actor.Tenant, cancellationToken).ConfigureAwait(false);
        var readable = cubes.Where(c => (CubeAccessPolicy.Evaluate(c, actor) & CubeAccess.Read) == CubeAccess.Read).ToList();
        if (readable.Count == cubes.Count)
        {
            return await store.GetStatsAsync(actor.Tenant, null, cancellationToken).ConfigureAwait(false);
        }

        var byState = new Dictionary<LifecycleState, long>();
        var byKind = new Dictionary<MemoryKind, long>();
        long versions = 0, audits = 0;
        foreach (var c in readable)
        {
            var one = await store.GetStatsAsync(actor.Tenant, c.Id, cancellationToken).ConfigureAwait(false);
            foreach (var (state, n) in one.ByState)
            {
                byState[state] = byState.GetValueOrDefault(state) + n;
            }

            foreach (var (kind, n) in one.ByKind)
            {
                byKind[kind] = byKind.GetValueOrDefault(kind) + n;
            }

            versions += one.SupersededVersions;
            audits += one.AuditRecords;
        }

        return new StoreStats(readable.Count, byState, byKind, versions, audits, StorageBytes: null);
    }

    /// <summary>
    /// The audit trail of one memory (which the actor must be able to read), or of the tenant: then only the records of
    /// cubes the actor can read, and the actor's own records that name no cube (the trail is checked like the data it
    /// describes). The trail of a memory that is gone (purged, forgotten, expired) is read as the tenant's is, its lines
    /// shown by the cube each names; one of which the actor may see no line is refused as an id never stored is
    /// (<see cref="MemoryNotFoundException"/>, word for word), so the refusal tells nothing of what was there. Oldest first, from the record after <paramref name="after"/> (the <see cref="AuditRecord.Sequence"/>
    /// of the last record of a previous page; 0 from the start), at most <paramref name="limit"/> records: fewer only at
    /// the end of the trail, so reading on from the last one's sequence reaches every record the actor may see.
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> GetAuditAsync(Scope actor, MemoryId? id = null, int limit = 1000, long after = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var query = new AuditQuery { MemoryId = id, After = after, Limit = limit };
        query.Validate();
        if (id is { } memoryId)
        {
            try
            {
                await LoadAsync(actor, memoryId, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
                return await store.ReadAuditAsync(actor.Tenant, query, cancellationToken).ConfigureAwait(false);
            }
            catch (MemoryNotFoundException)
            {
                // Gone (or never stored): see below.
            }

            // A purged memory's trail (the main use of an audit) is all that is left of it, and there is no memory to check
            // access on. Its lines are checked as in the tenant's trail, which shows them already; whether any is visible is
            // asked from the start, not of this page, so a page past the end is an empty page and not a refusal.
            if ((await ReadVisibleAuditAsync(actor, query with { After = 0, Limit = 1 }, cancellationToken).ConfigureAwait(false)).Count == 0)
            {
                throw NotFound(memoryId);
            }
        }

        return await ReadVisibleAuditAsync(actor, query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The lines of <paramref name="query"/> the actor may see, by the rule of <see cref="GetAuditAsync"/>'s tenant trail.</summary>
    private async Task<IReadOnlyList<AuditRecord>> ReadVisibleAuditAsync(Scope actor, AuditQuery query, CancellationToken cancellationToken)
    {
        int limit = query.Limit;
        var cubes = await store.ListCubesAsync(actor.Tenant, cancellationToken).ConfigureAwait(false);
        var existing = cubes.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var readable = cubes
            .Where(c => (CubeAccessPolicy.Evaluate(c, actor) & CubeAccess.Read) == CubeAccess.Read)
            .Select(c => c.Id)
            .ToHashSet(StringComparer.Ordinal);

        // A deleted cube's lines (its cube.delete line above all) have no cube left to check them against: like lines
        // that name no cube, the actor sees only its own. The filter runs after the store's page, so pages are read on
        // until the limit is met or the log ends: a page of lines the actor may not see is not the end of its trail.
        // Pages are read at least AuditFilterPage lines at a time: at the caller's limit (limit=1) a log of a million lines
        // the actor may not see took a million store reads.
        query = query with { Limit = Math.Max(limit, AuditFilterPage) };
        var visible = new List<AuditRecord>(Math.Min(limit, 1024));
        while (true)
        {
            var page = await store.ReadAuditAsync(actor.Tenant, query, cancellationToken).ConfigureAwait(false);
            foreach (var r in page)
            {
                if (r.CubeId is { } cubeId && existing.Contains(cubeId) ? readable.Contains(cubeId) : IsOwn(r, actor))
                {
                    visible.Add(r);
                    if (visible.Count == limit)
                    {
                        return visible;
                    }
                }
            }

            if (page.Count < query.Limit)
            {
                return visible;
            }

            query = query with { After = page[^1].Sequence };
        }
    }

    /// <summary>
    /// The audit trail of one cube, which the actor must be able to read (an unreadable cube is refused as
    /// <see cref="AccessDeniedException"/>, like its data). Oldest first, from the record after <paramref name="after"/>
    /// (a previous page's last <see cref="AuditRecord.Sequence"/>), at most <paramref name="limit"/> records.
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> GetCubeAuditAsync(Scope actor, string cube, int limit = 1000, long after = 0, CancellationToken cancellationToken = default)
    {
        var query = new AuditQuery { After = after, Limit = limit };
        query.Validate();
        var target = await ResolveCubeAsync(actor, cube, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        return await store.ReadAuditAsync(actor.Tenant, query with { CubeId = target.Id }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the store and every retriever that holds resources (e.g. an embedder's HTTP client).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var r in retrievers.Values)
        {
            (r as IDisposable)?.Dispose();
        }

        await store.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Throws what <see cref="AddBatchAsync"/> would throw for the drafts' own content (text, labels, times, payload,
    /// links, session), touching no cube: a host that creates the cube on first write checks first, so a bad request
    /// leaves no cube behind.
    /// </summary>
    public void ValidateDrafts(Scope actor, IReadOnlyList<MemoryDraft> drafts)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(drafts);
        var now = time.GetUtcNow();
        _ = BuildItems(actor, new MemCube { Id = "-", Name = "-", Owner = actor, CreatedAt = now, UpdatedAt = now }, drafts, now);
    }

    private MemoryItem[] BuildItems(Scope actor, MemCube cube, IReadOnlyList<MemoryDraft> drafts, DateTimeOffset now)
    {
        ScopeNames.RequireNewAuthor(actor);
        var items = new MemoryItem[drafts.Count];
        for (int i = 0; i < drafts.Count; i++)
        {
            try
            {
                items[i] = BuildItem(actor, cube, drafts[i], now);
            }
            catch (MemoryValidationException ex) when (drafts.Count > 1)
            {
                throw Rewrap(ex, $"Item {i} of the batch: {ex.Message} Nothing from this batch was stored.");
            }
        }

        return items;
    }

    private MemoryItem BuildItem(Scope actor, MemCube cube, MemoryDraft draft, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ContentRules.ValidateText(draft.Text, options.MaxContentBytes);

        // An undefined kind or source was stored as its number, and the cube's export then failed to import ("'7' is not a
        // known SourceKind").
        if (!Enum.IsDefined(draft.Kind) || !Enum.IsDefined(draft.Source))
        {
            throw new MemoryValidationException($"A memory's kind is one of {string.Join(", ", Enum.GetNames<MemoryKind>())} and its source one of {string.Join(", ", Enum.GetNames<SourceKind>())}; got kind {draft.Kind}, source {draft.Source}.");
        }

        ContentRules.ValidatePayload(draft.Kind, draft.Payload);

        // A start the caller gives is kept (a backwards interval refused); the default one, now, never after the end, as a
        // supersede's default end never comes before the start: "lived in Paris until 2024" was stored ending before it
        // began, and every later edit of it (a tag) was refused, as was the import of its cube's export.
        ContentRules.ValidateInterval(draft.ValidFrom, draft.ValidTo);
        var validTo = StoredTime.Of(draft.ValidTo);
        var validFrom = StoredTime.Of(draft.ValidFrom) ?? (validTo is { } end && end < now ? end : now);
        return new MemoryItem
        {
            Id = MemoryId.NewId(now),
            CubeId = cube.Id,
            Scope = draft.Session is null ? actor : actor.WithSession(draft.Session),
            Kind = draft.Kind,
            Text = draft.Text,
            Payload = draft.Payload,
            ContentHash = ContentRules.ComputeHash(draft.Kind, draft.Text, draft.Payload),
            Provenance = new Provenance(draft.Source, ContentRules.Optional(draft.SourceRef, ContentRules.MaxReferenceBytes, "source reference"), ContentRules.Optional(draft.Actor, ContentRules.MaxReferenceBytes, "actor"), now),
            ValidFrom = validFrom,
            ValidTo = validTo,
            Tags = ContentRules.NormalizeLabels(draft.Tags, "tag", options.MaxLabels),
            Keywords = ContentRules.NormalizeLabels(draft.Keywords, "keyword", options.MaxLabels),
            Context = ContentRules.Optional(draft.Context, ContentRules.MaxNoteBytes, "context"),
            Importance = ContentRules.ValidateUnit(draft.Importance, "importance"),
            Links = ContentRules.ValidateLinks(draft.Links),
            StateReason = Reason(draft.Reason),
            UpdatedAt = now,
        };
    }

    private static Activity? StartMemoryActivity(string name, Scope actor, MemoryId id)
    {
        var activity = MemoryCoreTelemetry.Source.StartActivity(name);
        if (activity is not null)
        {
            activity.SetTag(MemoryCoreTelemetry.TenantTag, actor?.Tenant);
            activity.SetTag("agentmem.memory_id", id.ToString());
        }

        return activity;
    }

    private void Notify(string tenant, string cubeId)
    {
        foreach (var listener in listeners)
        {
            listener.OnMemoriesChanged(tenant, cubeId);
        }
    }

    private async Task<(MemoryItem Item, MemCube Cube)> LoadAsync(Scope actor, MemoryId id, CubeAccess needed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var item = await store.GetAsync(actor.Tenant, id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id);
        var cube = await store.FindCubeAsync(actor.Tenant, item.CubeId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id);
        try
        {
            CubeAccessPolicy.Demand(cube, actor, needed);
        }
        catch (CubeAccessDeniedException denied)
        {
            throw denied.ForMemory(id.ToString());
        }

        return (item, cube);
    }

    private async Task<MemCube> ResolveCubeAsync(Scope actor, string idOrName, CubeAccess needed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (string.IsNullOrWhiteSpace(idOrName))
        {
            throw new MemoryValidationException("A cube id or name is required.");
        }

        // A name no cube can have (a NUL above all, which PostgreSQL refused as a server error where the other stores found
        // nothing) is refused as it is at creation, alike on every store. Ids pass: they are valid names.
        var cube = await store.FindCubeAsync(actor.Tenant, ScopeNames.Require(idOrName, "cube"), cancellationToken).ConfigureAwait(false)
            ?? throw CubeNotFoundException.Unknown(idOrName, actor.Tenant);
        Demand(cube, actor, needed, idOrName);
        return cube;
    }

    /// <summary><see cref="CubeAccessPolicy.Demand"/>, its refusal naming the cube as the request named it.</summary>
    private static void Demand(MemCube cube, Scope actor, CubeAccess needed, string idOrName)
    {
        try
        {
            CubeAccessPolicy.Demand(cube, actor, needed);
        }
        catch (CubeAccessDeniedException denied)
        {
            throw denied.ForCube(idOrName);
        }
    }

    /// <summary>
    /// Refuses a filter naming a tag, user, agent or session no memory can carry (a NUL, an unpaired surrogate), alike on
    /// every store: PostgreSQL refused the query as a server error, where the other stores matched nothing. Refuses an
    /// event-time range that starts at or after its end, which no memory can fall in: bounds passed the wrong way round
    /// answered "nothing then" with no error. Returns the filter with the NFC spelling of each tag added beside the one
    /// given (<see cref="ComposedTags"/>).
    /// </summary>
    private static MemoryFilter? ValidateFilter(MemoryFilter? filter)
    {
        if (filter is null)
        {
            return null;
        }

        if (filter.ValidFromOrAfter is { } from && filter.ValidFromBefore is { } before && from >= before)
        {
            throw new MemoryValidationException(string.Create(CultureInfo.InvariantCulture,
                $"The filter's time range is empty: ValidFromOrAfter ({from:O}) must be before ValidFromBefore ({before:O}). Were the bounds swapped?"));
        }

        Storable(filter.User, "user filter");
        Storable(filter.Agent, "agent filter");
        Storable(filter.Session, "session filter");
        foreach (string? tag in filter.AnyTags ?? [])
        {
            Storable(tag, "tag filter");
        }

        static void Storable(string? value, string what)
        {
            if (value is not null)
            {
                ContentRules.ValidateStorable(value, what);
            }
        }

        return ComposedTags(filter.AnyTags) is { } composed ? filter with { AnyTags = composed } : filter;
    }

    /// <summary>
    /// <paramref name="tags"/> and, beside each not in NFC, its NFC spelling, which tags are stored in (ContentRules
    /// .NormalizeLabels): a filter typed decomposed finds a tag stored composed, and the spelling given still finds a tag
    /// stored so before tags were composed. Null when every tag is in NFC already.
    /// </summary>
    private static List<string>? ComposedTags(IReadOnlyList<string>? tags)
    {
        List<string>? all = null;
        foreach (string? tag in tags ?? [])
        {
            if (tag is not null && SafeNormalization.Normalize(tag, NormalizationForm.FormC) is var composed && !string.Equals(composed, tag, StringComparison.Ordinal))
            {
                (all ??= [.. tags!]).Add(composed);
            }
        }

        return all;
    }

    private static void EnsureWritable(MemoryItem item, string operation)
    {
        switch (item.State)
        {
            case LifecycleState.Frozen:
                throw new MemoryFrozenException($"Memory {item.Id} is frozen; cannot {operation} it. Unfreeze it first.");
            case LifecycleState.Deleted:
                throw new MemoryStateException($"Memory {item.Id} is deleted; cannot {operation} it. Restore it (set it Active) or purge it.");
            default:
                return;
        }
    }

    /// <summary>Throws <see cref="MemoryValidationException"/> for a policy no cube may have (hosts, archives); returns it.</summary>
    internal static CubePolicy ValidatePolicy(CubePolicy policy)
    {
        if (policy.RetentionDays < 0 || policy.HardDeleteAfterDays < 0 || policy.MaxItems < 0 || policy.ContextTokenBudget < 0)
        {
            throw new MemoryValidationException("Cube policy limits must be zero (no limit) or positive.");
        }

        if (policy.ContextTokenBudget is > 0 and (< 16 or > 1_000_000))
        {
            throw new MemoryValidationException($"A cube's context token budget is 0 (the caller's) or 16 to 1,000,000; got {policy.ContextTokenBudget}.");
        }

        if (policy.ForgettingThreshold is { } threshold && !(threshold > 0 && threshold < 1))
        {
            throw new MemoryValidationException($"The forgetting threshold is a retention strictly between 0 and 1 (or none); got {threshold}.");
        }

        return policy;
    }

    /// <summary>The same refusal with a message that says where (a batch item, an import's turn), keeping its type.</summary>
    internal static MemoryValidationException Rewrap(MemoryValidationException ex, string message) =>
        ex is ContentTooLargeException ? new ContentTooLargeException(message, ex) : new MemoryValidationException(message, ex);

    private const int AuditFilterPage = 1000;

    private static bool IsOwn(AuditRecord record, Scope actor) =>
        string.Equals(record.User, actor.User, StringComparison.Ordinal) && string.Equals(record.Agent, actor.Agent, StringComparison.Ordinal);

    private static MemoryNotFoundException NotFound(MemoryId id) => MemoryNotFoundException.Unknown(id.ToString());

    // For an operation that named memories by id: a refusal names the first of them the cube holds, as a refusal of one does.
    private static void DemandForMemories(MemCube cube, Scope actor, CubeAccess needed, IEnumerable<MemoryId> requested, IEnumerable<MemoryItem> found)
    {
        try
        {
            CubeAccessPolicy.Demand(cube, actor, needed);
        }
        catch (CubeAccessDeniedException denied)
        {
            var inCube = found.Where(i => string.Equals(i.CubeId, cube.Id, StringComparison.Ordinal)).Select(i => i.Id).ToHashSet();
            throw denied.ForMemory(requested.First(inCube.Contains).ToString());
        }
    }

    private static string? Reason(string? value) => ContentRules.Optional(value, ContentRules.MaxNoteBytes, "reason");

    private AuditRecord Audit(Scope actor, string action, string? cubeId, MemoryId? memoryId, int? version, string? detail) =>
        new(time.GetUtcNow(), actor.Tenant, actor.User, actor.Agent, action, cubeId, memoryId?.ToString(), version, detail);
}
