namespace AgentMem.Stores.InMemory;

/// <summary>
/// A thread-safe store that keeps everything in process memory and nothing on disk: for fast tests of
/// <c>MemoryOS</c> and everything built on it, and for ephemeral agents whose memories need not outlive the process.
/// It behaves as <c>SqliteMemoryStore</c> does (the same store contract): every query is confined to one tenant, every
/// multi-row write is atomic (checked whole, then applied under one lock), versions, the append-only audit log, recalls,
/// the change feed, embeddings and BM25 lexical search over Porter-stemmed terms all work alike. Items it returns are
/// immutable copies. Stores opened over one <see cref="InMemoryDatabase"/> share its contents, as stores over one file do.
/// </summary>
public sealed partial class InMemoryMemoryStore : IMemoryStore
{
    /// <summary>The states whose content counts as present in a cube (for de-duplication and item limits), as in SQLite.</summary>
    private static readonly LifecycleState[] ContentStates = [LifecycleState.Active, LifecycleState.Archived, LifecycleState.Frozen];

    private volatile bool disposed;

    /// <summary>Creates a store over a new, empty database of its own.</summary>
    public InMemoryMemoryStore()
        : this(new InMemoryDatabase())
    {
    }

    /// <summary>Creates a store over <paramref name="database"/>, sharing its contents with every other store over it.</summary>
    public InMemoryMemoryStore(InMemoryDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        Database = database;
    }

    /// <summary>The contents this store reads and writes; open another store over it with <see cref="InMemoryDatabase.OpenStore"/>.</summary>
    public InMemoryDatabase Database { get; }

    /// <inheritdoc/>
    public Task CreateCubeAsync(MemCube cube, AuditRecord audit, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(cube);
        ArgumentNullException.ThrowIfNull(audit);
        string tenant = cube.Owner.Tenant;
        var data = Database.Require(tenant);

        // A name may not be another cube's id either, so a look-up by id or name is never ambiguous.
        if (data.Cubes.Values.Any(c => c.Name == cube.Name || c.Id == cube.Name) || data.Cubes.ContainsKey(cube.Id))
        {
            throw new CubeAlreadyExistsException($"A cube named '{cube.Name}' already exists in tenant '{tenant}'.");
        }

        data.Cubes[cube.Id] = ImmutableCopy.Of(cube);
        data.Audit.Add(ImmutableCopy.Of(audit, tenant));
        return 0;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<MemCube?> FindCubeAsync(string tenant, string idOrName, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(idOrName);
        var data = Database.Find(tenant);
        if (data is null)
        {
            return null;
        }

        // An id match wins over a name match.
        return data.Cubes.GetValueOrDefault(idOrName) ?? data.Cubes.Values.FirstOrDefault(c => c.Name == idOrName);
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<MemCube>> ListCubesAsync(string tenant, CancellationToken cancellationToken = default) => Run<IReadOnlyList<MemCube>>(() =>
        Database.Find(tenant) is { } data ? [.. data.Cubes.Values.OrderBy(c => c.Name, StringComparer.Ordinal)] : [], cancellationToken);

    /// <inheritdoc/>
    public Task<MemCube> UpdateCubeAsync(string tenant, string cubeId, Func<MemCube, MemCube> change, AuditRecord audit, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(cubeId);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(audit);
        var data = Database.Find(tenant);
        if (data is null || !data.Cubes.TryGetValue(cubeId, out var current))
        {
            throw new CubeNotFoundException($"No cube '{cubeId}' in tenant '{tenant}'.");
        }

        // Only the metadata changes: a cube keeps its id, name, owner and creation time.
        var next = ImmutableCopy.Of(change(current) with { Id = current.Id, Owner = current.Owner, Name = current.Name, CreatedAt = current.CreatedAt });
        data.Cubes[cubeId] = next;
        data.Audit.Add(ImmutableCopy.Of(audit, tenant));
        return next;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<AddOutcome>> AddAsync(string tenant, IReadOnlyList<MemoryItem> items, AddOptions options, AuditRecord audit, CancellationToken cancellationToken = default) => Run<IReadOnlyList<AddOutcome>>(() =>
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(audit);
        foreach (var item in items)
        {
            ArgumentNullException.ThrowIfNull(item);
            StoreArguments.RequireTenant(tenant, item);
        }

        if (items.Count == 0)
        {
            return [];
        }

        var data = Database.Find(tenant);
        var outcomes = new AddOutcome[items.Count];
        var created = new List<MemoryItem>(items.Count);
        var cubes = new HashSet<string>(StringComparer.Ordinal);
        var deduplication = new BatchDeduplication(options.MatchSourceRef);
        var batchIds = new HashSet<MemoryId>();

        // Check the whole batch before changing anything: a failure leaves the database as it was.
        for (int i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var item = items[i];
            if (cubes.Add(item.CubeId) && (data is null || !data.Cubes.ContainsKey(item.CubeId)))
            {
                throw new CubeNotFoundException($"No cube '{item.CubeId}' in tenant '{tenant}'.");
            }

            if (options.Deduplicate && deduplication.Duplicate(item, candidate => FindContent(data!, candidate, options.MatchSourceRef)) is { } duplicate)
            {
                outcomes[i] = duplicate;
                continue;
            }

            if (Database.MemoriesById.ContainsKey(item.Id) || !batchIds.Add(item.Id))
            {
                throw new MemoryStateException($"A memory with id {item.Id} already exists; ids are unique. Nothing from this batch was stored.");
            }

            created.Add(item);
            outcomes[i] = new AddOutcome(item.Id, true);
        }

        // As the SQL stores write them: links only to memories there, the batch's own included (in either order).
        bool Present(MemoryId id) => batchIds.Contains(id) || data!.Memories.ContainsKey(id);
        foreach (var item in created)
        {
            LinkTargets.RequireSources(item, Present);
        }

        if (LiveItemLimit.Applies(options))
        {
            foreach (string cube in cubes)
            {
                long live = data!.Memories.Values.Count(m => m.Current.CubeId == cube && ContentStates.Contains(m.Current.State))
                    + created.Count(m => m.CubeId == cube && ContentStates.Contains(m.State));
                if (LiveItemLimit.Exceeded(live, options))
                {
                    throw LiveItemLimit.Full(data!.Cubes[cube].Name, live, options);
                }
            }
        }

        foreach (var item in created)
        {
            var stored = new StoredMemory(tenant, ImmutableCopy.OfCurrent(LinkTargets.Keep(item, Present)));
            data!.Memories[item.Id] = stored;
            Database.MemoriesById[item.Id] = stored;
            AppendChange(data, item.CubeId, item.Id, purged: false);
            data.Audit.Add(ImmutableCopy.Of(audit.ForAdded(item), tenant));
        }

        return outcomes;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task RestoreCubeAsync(MemCube cube, IReadOnlyList<IReadOnlyList<MemoryItem>> histories, AuditRecord audit, MemoryCore.Export.ArchivedEmbeddings? embeddings = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default) => Run(() =>
    {
        StoreArguments.RequireRestore(cube, histories, audit, embeddings);
        string tenant = cube.Owner.Tenant;
        var data = Database.Require(tenant);

        // Check everything before changing anything: a refusal leaves the database as it was.
        if (data.Cubes.Values.FirstOrDefault(c => c.Name == cube.Name || c.Id == cube.Name || c.Name == cube.Id) is { } taken || data.Cubes.TryGetValue(cube.Id, out taken))
        {
            throw new CubeAlreadyExistsException($"Cube '{taken.Name}' in tenant '{tenant}' already has the name or id of the imported cube ('{cube.Name}', {cube.Id}).");
        }

        foreach (var history in histories)
        {
            if (Database.MemoriesById.ContainsKey(history[0].Id))
            {
                throw new MemoryStateException($"Memory {history[0].Id} is already stored in this database; an import never overwrites.");
            }
        }

        data.Cubes[cube.Id] = ImmutableCopy.Of(cube);
        data.Audit.Add(ImmutableCopy.Of(audit with { CubeId = cube.Id }, tenant));
        int written = 0;
        foreach (var history in histories)
        {
            var current = history[^1];
            var stored = new StoredMemory(tenant, ImmutableCopy.OfCurrent(current));
            stored.History.AddRange(history.Take(history.Count - 1).Select(ImmutableCopy.Of));
            data.Memories[current.Id] = stored;
            Database.MemoriesById[current.Id] = stored;
            AppendChange(data, cube.Id, current.Id, purged: false);
            data.Audit.Add(ImmutableCopy.Of(audit with { CubeId = cube.Id, MemoryId = current.Id.ToString(), Version = current.Version }, tenant));
            if (embeddings is not null && embeddings.Vectors.TryGetValue(current.Id, out var embedding))
            {
                stored.Embeddings[embeddings.Embedder] = ImmutableCopy.Of(embedding);
            }

            progress?.Report((++written, histories.Count));
        }

        return 0;
    }, cancellationToken);

    /// <inheritdoc/>
    public async Task<MemoryItem?> GetAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default)
    {
        var items = await GetManyAsync(tenant, [id], cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<MemoryItem>> GetManyAsync(string tenant, IReadOnlyList<MemoryId> ids, CancellationToken cancellationToken = default) => Run<IReadOnlyList<MemoryItem>>(() =>
    {
        ArgumentNullException.ThrowIfNull(ids);
        var data = Database.Find(tenant);
        if (data is null)
        {
            return [];
        }

        var found = new List<MemoryItem>(ids.Count);
        foreach (var id in ids.Distinct())
        {
            if (data.Memories.TryGetValue(id, out var stored))
            {
                found.Add(stored.Current);
            }
        }

        return found;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task ReplaceAsync(string tenant, MemoryItem superseded, MemoryItem next, AuditRecord audit, CancellationToken cancellationToken = default) =>
        ReplaceManyAsync(tenant, [new MemoryReplacement(superseded, next, audit)], cancellationToken);

    /// <inheritdoc/>
    public Task ReplaceManyAsync(string tenant, IReadOnlyList<MemoryReplacement> replacements, CancellationToken cancellationToken = default) => Run(() =>
    {
        StoreArguments.RequireReplacements(tenant, replacements);
        if (replacements.Count == 0)
        {
            return 0;
        }

        // Check the whole chain of versions before changing anything: all are written, or none.
        var data = Database.Find(tenant);
        var expected = new Dictionary<MemoryId, int>();
        foreach (var (superseded, next, _) in replacements)
        {
            if (!expected.TryGetValue(next.Id, out int version))
            {
                version = data is not null && data.Memories.TryGetValue(next.Id, out var found) ? found.Current.Version : -1;
            }

            if (version != superseded.Version)
            {
                throw new MemoryVersionConflictException($"Memory {next.Id} changed while this write was being made: another writer stored a version after version {superseded.Version}, the one this write read; read it again and retry.");
            }

            expected[next.Id] = next.Version;
        }

        foreach (var replacement in replacements)
        {
            var (superseded, next, audit) = replacement;
            // A new version changes content and state, never where the memory lives, whose it is or where it came from.
            var stored = data!.Memories[next.Id];
            var current = stored.Current;
            // Both versions lose their links to memories purged since the writer read them, as in the SQL stores.
            stored.History.Add(ImmutableCopy.Of(LinkTargets.Keep(superseded, data.Memories.ContainsKey)));
            // The recall counters are the store's (recalls change them in place): a version written from an earlier read keeps
            // them, or, for a merge, combines them with those of the memory it absorbs (superseded earlier in this call).
            var counters = (current.Strength, current.LastRecalledAt, current.RecallCount);
            if (replacement.AbsorbsRecallsOf is { } from && data.Memories[from].Current is var absorbed)
            {
                counters = AbsorbedRecalls.Combine(counters, (absorbed.Strength, absorbed.LastRecalledAt, absorbed.RecallCount));
            }

            var placed = LinkTargets.Keep(next, data.Memories.ContainsKey) with { CubeId = current.CubeId, Scope = current.Scope, Kind = current.Kind, Provenance = current.Provenance };
            stored.Current = ImmutableCopy.OfCurrent(placed with { Strength = counters.Strength, LastRecalledAt = counters.LastRecalledAt, RecallCount = counters.RecallCount });
            AppendChange(data, current.CubeId, current.Id, purged: false);
            data.Audit.Add(ImmutableCopy.Of(audit, tenant));
        }

        return 0;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default) => Run<IReadOnlyList<MemoryItem>>(() =>
        Database.Find(tenant) is { } data && data.Memories.TryGetValue(id, out var stored) ? [.. stored.History, stored.Current] : [], cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, long afterVersion, int limit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireHistoryPage(afterVersion, limit);
        return Run<IReadOnlyList<MemoryItem>>(() =>
            Database.Find(tenant) is { } data && data.Memories.TryGetValue(id, out var stored)
                ? [.. stored.History.Append(stored.Current).Where(v => v.Version > afterVersion).Take(limit)]
                : [],
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<MemoryItem>> ListAsync(string tenant, MemoryFilter filter, int limit, MemoryId? after = null, CancellationToken cancellationToken = default) => Run<IReadOnlyList<MemoryItem>>(() =>
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var data = Database.Find(tenant);
        if (data is null)
        {
            return [];
        }

        var page = new List<MemoryItem>(Math.Min(limit, 1024));
        foreach (var (id, stored) in data.Memories)
        {
            if ((after is not { } cursor || id.CompareTo(cursor) > 0) && MemoryFilterMatch.Matches(filter, stored.Current))
            {
                page.Add(stored.Current);
                if (page.Count == limit)
                {
                    break;
                }
            }
        }

        return page;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<StoreStats> GetStatsAsync(string tenant, string? cubeId, CancellationToken cancellationToken = default) => Run(() =>
    {
        var data = Database.Find(tenant);
        if (data is null)
        {
            return new StoreStats(0, new Dictionary<LifecycleState, long>(), new Dictionary<MemoryKind, long>(), 0, 0, null);
        }

        var memories = data.Memories.Values.Where(m => cubeId is null || m.Current.CubeId == cubeId).ToList();
        return new StoreStats(
            cubeId is null ? data.Cubes.Count : (data.Cubes.ContainsKey(cubeId) ? 1 : 0),
            memories.GroupBy(m => m.Current.State).ToDictionary(g => g.Key, g => (long)g.Count()),
            memories.Where(m => ContentStates.Contains(m.Current.State)).GroupBy(m => m.Current.Kind).ToDictionary(g => g.Key, g => (long)g.Count()),
            memories.Sum(m => (long)m.History.Count),
            cubeId is null ? data.Audit.Count : data.Audit.Count(a => a.CubeId == cubeId),
            null);
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(string tenant, AuditQuery? query = null, CancellationToken cancellationToken = default) => Run<IReadOnlyList<AuditRecord>>(() =>
    {
        query ??= new AuditQuery();
        query.Validate();
        if (Database.Find(tenant) is not { } data)
        {
            return [];
        }

        // The log is only ever appended to (a purge redacts lines in place), so a line's position is its sequence, and a
        // page starts right after the cursor instead of re-reading the log from its first line.
        string? memory = query.MemoryId?.ToString();
        long skip = Math.Min(query.After, data.Audit.Count);
        return [.. data.Audit
            .Skip((int)skip)
            .Select((a, i) => a with { Sequence = skip + i + 1 })
            .Where(a => (memory is null || a.MemoryId == memory) && (query.CubeId is null || a.CubeId == query.CubeId))
            .Take(query.Limit)];
    }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        // The contents belong to the database, not to this handle: other stores over it keep them.
        disposed = true;
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Runs <paramref name="work"/> under the database's lock, as a completed task: nothing here waits for I/O. A failure,
    /// argument checks included, comes back in the task, as from the SQLite store's async methods.
    /// </summary>
    private Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(disposed, this);
            lock (Database.Gate)
            {
                return Task.FromResult(work());
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }

    private static MemoryId? FindContent(TenantData data, MemoryItem candidate, bool matchSourceRef)
    {
        foreach (var stored in data.Memories.Values)
        {
            var item = stored.Current;
            if (item.CubeId == candidate.CubeId && item.ContentHash == candidate.ContentHash && ContentStates.Contains(item.State)
                && item.Scope.User == candidate.Scope.User && item.Scope.Agent == candidate.Scope.Agent
                && item.Provenance.Actor == candidate.Provenance.Actor
                && (!matchSourceRef || item.Provenance.SourceRef == candidate.Provenance.SourceRef))
            {
                return item.Id;
            }
        }

        return null;
    }

    private void AppendChange(TenantData data, string cubeId, MemoryId id, bool purged)
    {
        if (!data.Changes.TryGetValue(cubeId, out var feed))
        {
            data.Changes[cubeId] = feed = [];
        }

        // As the SQL stores do: the memory's earlier entries in the cube, purge records aside, go, since the new one tells every
        // reader positioned before them (entries carry no content, a reader re-reads the memory); recalls no longer grow the
        // feed for ever.
        feed.RemoveAll(c => c.MemoryId == id && !c.Purged);
        feed.Add(new MemoryChangeRecord(++Database.LastChangeSequence, cubeId, id, purged));
    }
}
