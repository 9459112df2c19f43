using AgentMem.Common.IO;
using AgentMem.Retrieval.Embeddings;

namespace AgentMem.Retrieval.State;

/// <summary>
/// Per-cube retrieval indexes derived from the store and kept in step with it through the store's change feed: before
/// every search the cube's index reads the feed from its last sequence and applies only what changed (any process's
/// adds, updates and purges), so a write costs O(what it touched) and another process's purge is gone before the next
/// search returns. Embeddings are persisted in the store under the embedder's identity and the embedded text's hash,
/// so a new process or an evicted cube re-embeds nothing unchanged. Indexes are cached under a byte budget with LRU
/// eviction. One instance may serve several retrievers (hybrid, vector) over the same store and embedder.
/// </summary>
public sealed partial class RetrievalState : IDisposable
{
    private const int ListPage = 5000;
    private const int FetchChunk = 500;
    private readonly IMemoryStore store;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? embedder;
    private readonly HashingEmbedder? hashing;
    private readonly bool ownsEmbedder;
    private readonly ConcurrentDictionary<(string Tenant, string Cube), CubeEntry> cubes = new();

    // Cubes deleted while this state lived: a catch-up or search already under way for one must not build its index again,
    // which recreated its folder and took its lock after the delete. A cube restored from its archive (same id) is let back.
    private readonly ConcurrentDictionary<(string Tenant, string Cube), byte> deleted = new();
    private volatile bool disposed;

    // Calls into the embedder under way, plus one for the state itself, signalled by Dispose: an embedder the state owns is
    // disposed only once none runs (a search's query embedding, a build's inline embedding).
    private readonly CountdownEvent embedderCalls = new(1);
    private long clock;
    private int failedCheckpoints;

    /// <summary>
    /// Creates the state over <paramref name="store"/>. With no <paramref name="embedder"/>, the model-free
    /// <see cref="HashingEmbedder"/> is used, unfitted: its vectors depend on the text alone, so they are stored once.
    /// </summary>
    public RetrievalState(IMemoryStore store, IEmbeddingGenerator<string, Embedding<float>>? embedder = null, RetrievalStateOptions? options = null, bool ownsEmbedder = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        Options = options ?? new RetrievalStateOptions();
        Options.Validate();
        this.embedder = embedder is HashingEmbedder { IsFitted: false } plain ? null : embedder;
        hashing = this.embedder is null ? (embedder as HashingEmbedder ?? new HashingEmbedder()) : null;
        this.ownsEmbedder = ownsEmbedder;
        Telemetry.RetrievalTelemetry.Track(this);
        var meta = this.embedder?.GetService<EmbeddingGeneratorMetadata>();
        EmbedderId = hashing is not null
            ? $"{HashingEmbedder.Version}-{hashing.Dimension}"
            : $"{meta?.ProviderName ?? this.embedder!.GetType().Name}/{meta?.DefaultModelId ?? "default"}/{meta?.DefaultModelDimensions?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}";
    }

    /// <summary>The lifecycle states whose memories are indexed, and so embedded.</summary>
    public static IReadOnlyList<LifecycleState> IndexedStates { get; } = [LifecycleState.Active, LifecycleState.Archived, LifecycleState.Frozen, LifecycleState.Deleted];

    /// <summary>The options in force.</summary>
    public RetrievalStateOptions Options { get; }

    /// <summary>The store the indexes follow.</summary>
    public IMemoryStore Store => store;

    /// <summary>The embedder identity stored with every persisted vector (model, version, dimension).</summary>
    public string EmbedderId { get; }

    /// <summary>Reference mode for benchmarks: any change rebuilds the whole cube from the store and re-embeds it (the old engine).</summary>
    public bool RebuildOnWrite { get; init; }

    /// <summary>For tests: what each background SPANN build waits for before it starts, so a test holds one running.</summary>
    internal Task? AnnBuildGate { get; init; }

    /// <summary>For tests: called when <see cref="Dispose"/> begins waiting for the embedder calls under way.</summary>
    internal Action? EmbedderCallsAwaited { get; init; }

    /// <summary>Cubes whose indexes are in memory.</summary>
    public int CachedCubes => cubes.Values.Count(c => c.Index is not null);

    /// <summary>Estimated bytes of all cached indexes, with the bookkeeping of every cube ever opened.</summary>
    public long CachedBytes => cubes.Values.Sum(c => c.Bytes + CubeEntry.Overhead);

    /// <summary>Texts embedded by this instance (not read back from the store): for tests that prove nothing is re-embedded.</summary>
    public long EmbeddedTexts => Interlocked.Read(ref embeddedTexts);

    private long embeddedTexts;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Telemetry.RetrievalTelemetry.Untrack(this);
        StopBacklog();

        // A cube a search holds is closed by that search when it lets go (ReleaseCube): closing it under the search
        // exported an index being changed, or missed the index a build was about to hand over, and its folder lock.
        Clear();

        embedderCalls.Signal();
        if (ownsEmbedder)
        {
            // A search still running may be inside the embedder: disposing it under the call freed what the call was using.
            EmbedderCallsAwaited?.Invoke();
            embedderCalls.Wait();
            embedder?.Dispose();
        }
    }

    /// <summary>
    /// The embeddings of queries as the embedder gives them (normalised later by <see cref="VectorColumn.PrepareQuery"/>), in
    /// order, from one call to the embedder (one encoder run for a sentence model).
    /// </summary>
    internal async Task<float[][]> EmbedQueriesAsync(IReadOnlyList<string> queries, CancellationToken cancellationToken)
    {
        if (hashing is not null)
        {
            return [.. queries.Select(hashing.Embed)];
        }

        var generated = await GenerateAsync(queries, QueryOptions, cancellationToken).ConfigureAwait(false);
        return [.. generated.Select(g => g.Vector.ToArray())];
    }

    /// <summary>Calls the model embedder, counted in <see cref="embedderCalls"/> so that <see cref="Dispose"/> waits for it.</summary>
    /// <exception cref="ObjectDisposedException">The state is disposed.</exception>
    private async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> texts, EmbeddingGenerationOptions? options, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed || !embedderCalls.TryAddCount(), this);

        try
        {
            return await embedder!.GenerateAsync(texts, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            embedderCalls.Signal();
        }
    }

    /// <summary>Tells embedders that prefix queries differently from stored texts (arctic-embed) that this is a query.</summary>
    private static readonly EmbeddingGenerationOptions QueryOptions = new()
    {
        AdditionalProperties = new() { [Embeddings.Onnx.OnnxSentenceEmbedder.InputTypeKey] = Embeddings.Onnx.OnnxSentenceEmbedder.QueryInputType },
    };

    /// <summary>
    /// Brings the cube's index up to the store's latest change, then runs <paramref name="work"/> on it while no other
    /// caller can change it. Builds the index on first use (from the store and its persisted embeddings).
    /// </summary>
    internal Task<T> WithCubeAsync<T>(string tenant, string cubeId, Func<CubeIndex, T> work, CancellationToken cancellationToken) =>
        WithCubeAsync(tenant, cubeId, work, search: true, cancellationToken);

    /// <summary>
    /// <see cref="WithCubeAsync{T}(string, string, Func{CubeIndex, T}, CancellationToken)"/>; unless <paramref name="search"/>,
    /// only for a cube whose index is held (default otherwise: nothing is loaded), and no use of it: the cube keeps its
    /// place in the eviction order and is not spared by the eviction that follows.
    /// </summary>
    private async Task<T> WithCubeAsync<T>(string tenant, string cubeId, Func<CubeIndex, T> work, bool search, CancellationToken cancellationToken)
    {
        var key = (tenant, cubeId);
        CubeEntry? held = null;
        if (!search && !cubes.TryGetValue(key, out held))
        {
            return default!;
        }

        var entry = held ?? cubes.GetOrAdd(key, _ => new CubeEntry());
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        T result;
        bool applying = false;
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!search && entry.Index is null)
            {
                // Evicted (or deleted) since the caller looked: its next search loads it.
                return default!;
            }

            if (deleted.ContainsKey(key))
            {
                // Restored since (an import of its archive keeps its id), by this process or another: searchable again.
                if (await store.FindCubeAsync(tenant, cubeId, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw new CubeNotFoundException($"Cube {cubeId} was deleted.");
                }

                deleted.TryRemove(key, out _);
            }

            if (search)
            {
                // Only a search counts as a use (CacheBytes evicts the least recently searched): a background catch-up
                // after another node's write kept a cube this node no longer searches and evicted the ones it serves.
                entry.LastUsed = Interlocked.Increment(ref clock);
            }

            // Read before the head: each purge counted was committed before OnPurged counted it, so this catch-up applies it.
            int purgesTold = Volatile.Read(ref entry.PurgesTold);
            long head = await store.GetChangeSequenceAsync(tenant, cubeId, cancellationToken).ConfigureAwait(false);
            applying = true;
            if (entry.Index is null || (RebuildOnWrite && entry.Index.Sequence != head))
            {
                entry.Index?.Dispose();
                entry.Index = null;
                entry.Index = await BuildAsync(tenant, cubeId, head, cancellationToken).ConfigureAwait(false);
                long restoredAt = entry.Index.Sequence;
                bool purged = await CatchUpAsync(tenant, cubeId, entry.Index, head, cancellationToken).ConfigureAwait(false); // from a snapshot's sequence
                entry.UpdatesSinceCheckpoint = purged || (!entry.Index.Restored && entry.Index.Count >= Options.SnapshotMinimum)
                    ? Options.CheckpointEvery // built the slow way: snapshot it now
                    : (int)Math.Min(int.MaxValue, head - restoredAt); // what the snapshot lacks
            }
            else
            {
                long before = entry.Index.Sequence;
                bool purged = await CatchUpAsync(tenant, cubeId, entry.Index, head, cancellationToken).ConfigureAwait(false);

                // A purge must not survive in the snapshot on disk: checkpoint now rather than after N updates.
                entry.UpdatesSinceCheckpoint = purged ? Options.CheckpointEvery : entry.UpdatesSinceCheckpoint + (int)Math.Min(int.MaxValue, head - before);
            }

            entry.PurgesApplied = purgesTold;
            AdvanceVectors(tenant, cubeId, entry);
            result = work(entry.Index);
            var shape = (entry.Index.Sequence, entry.Index.Vectors.UsesAnn, entry.Index.Vectors.Building);
            if (shape != entry.BytesAt || entry.Bytes == 0)
            {
                // Summing the index's parts costs ~0.2 ms at 100k memories: only after it changed.
                entry.Bytes = entry.Index.EstimatedBytes;
                entry.BytesAt = shape;
            }
        }
        catch (Exception ex) when (applying)
        {
            // A half-applied batch must not be searched: the next caller rebuilds from the store. A call that failed before
            // anything was applied (cancelled, or the store unreachable, while reading the change sequence) leaves the index
            // as it was: dropping it made the next caller rebuild a large cube from the store for nothing.
            entry.Index?.Dispose();
            entry.Index = null;
            entry.Bytes = 0;
            if (IsVectorIndexDamage(ex) && !RebuildOnWrite && CubeFolder(tenant, cubeId) is { } folder)
            {
                // The persisted SPANN index is damaged (a posting failed its CRC, an update of it failed): the next caller
                // must not reopen it, or every search fails again. Without vectors.json it scores from the stored
                // embeddings, and builds a new SPANN index when the cube is big enough.
                TryDeleteTier(folder);
            }

            throw;
        }
        finally
        {
            ReleaseCube(key, entry);
        }

        EvictOverBudget(search ? key : null);
        return result;
    }

    /// <summary>Drops every cached index (they reopen from the store, its persisted embeddings and the index folder).</summary>
    public void Clear()
    {
        foreach (var (key, entry) in cubes)
        {
            TryClose(key, entry);
        }
    }

    /// <summary>Closes the cube unless a caller holds it, or, for an eviction, its SPANN build is running; false when it stays.</summary>
    private bool TryClose((string Tenant, string Cube) key, CubeEntry entry, bool evicting = false)
    {
        if (!entry.Gate.Wait(0))
        {
            return false;
        }

        try
        {
            if (evicting && entry.Index?.Vectors.Building == true)
            {
                // Closing waits for the build: an eviction did so on another cube's search (searches never wait), and then
                // threw the build away. The cube stays over the budget until its build is done.
                return false;
            }

            Close(key, entry);
        }
        finally
        {
            entry.Gate.Release();
        }

        return true;
    }

    /// <summary>
    /// Lets go of the cube; once disposed, closes it too: <see cref="Dispose"/> closes only the cubes it finds free, so the
    /// last caller to let go of a busy one closes it (released first, then checked, so one of the two always sees the other).
    /// </summary>
    private void ReleaseCube((string Tenant, string Cube) key, CubeEntry entry)
    {
        entry.Gate.Release();
        if (disposed)
        {
            TryClose(key, entry);
        }
    }

    /// <summary>
    /// Waits until every background ANN build has finished and taken over (benchmarks and tests that need deterministic
    /// latencies). Searches never wait: until a build is done they score exactly.
    /// </summary>
    public async Task WaitForIndexesAsync(CancellationToken cancellationToken = default)
    {
        foreach (var (key, entry) in cubes)
        {
            // A build that already finished counts too: it waits for a search to take it over, and until then the cube
            // still serves exactly.
            if (entry.Index?.Vectors is { Building: true } or { BuildFinished: true })
            {
                try
                {
                    await entry.Index!.Vectors.WaitForBuildAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed build is the column's to record (it keeps serving exactly), in AdvanceVectors below.
                }

                await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (entry.Index is not null)
                    {
                        AdvanceVectors(key.Tenant, key.Cube, entry);
                    }
                }
                finally
                {
                    ReleaseCube(key, entry);
                }
            }
        }
    }

    /// <summary>
    /// Compares the cube's derived data with the store after catching up with the change feed: every searchable memory
    /// indexed, persisted embeddings present and current, and (for a SPANN-served cube) the index's keys equal to the
    /// searchable memories' keys. Reads every posting of the index: a maintenance operation, not a search-path one.
    /// Memories queued for the background embedder count as missing until it has stored their embeddings
    /// (<see cref="WaitForEmbeddingsAsync"/> first).
    /// </summary>
    public async Task<IndexReport> VerifyAsync(string tenant, string cubeId, CancellationToken cancellationToken = default)
    {
        var items = await ListIndexedAsync(tenant, cubeId, cancellationToken).ConfigureAwait(false);
        var expectedKeys = items.Select(i => CubeIndex.VectorKey(i.Id)).ToHashSet();
        var report = await WithCubeAsync(tenant, cubeId, index =>
        {
            int indexed = items.Count(i => index.TryGetSlot(i.Id, out _));
            if (!index.Vectors.UsesAnn)
            {
                return new IndexReport(cubeId, items.Count, indexed, 0, 0, index.Vectors.Building ? "building" : "exact", 0, 0)
                {
                    Damage = index.Vectors.BuildFailure is { } failed ? $"The SPANN build failed (searches are exact until a rebuild): {failed.Message}" : null,
                };
            }

            HashSet<long> keys;
            try
            {
                keys = index.Vectors.IndexedKeys();
            }
            catch (Exception ex) when (ex is Vectors.VectorFormatException or IOException or InvalidOperationException)
            {
                return new IndexReport(cubeId, items.Count, indexed, 0, 0, "spann", 0, 0) { Damage = ex.Message };
            }

            return new IndexReport(cubeId, items.Count, indexed, 0, 0, "spann", expectedKeys.Count(k => !keys.Contains(k)), keys.Count(k => !expectedKeys.Contains(k)));
        }, cancellationToken).ConfigureAwait(false);

        // Read after the catch-up above, which embeds and stores what was written since the last search: read before it,
        // every memory added or edited since counted as drift, and the verify itself repaired it.
        var stored = (await store.GetEmbeddingsAsync(tenant, cubeId, EmbedderId, null, cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.MemoryId);
        int missing = 0, stale = 0;
        foreach (var item in items)
        {
            if (!stored.TryGetValue(item.Id, out var e))
            {
                missing++;
            }
            else if (e.TextHash != EmbeddingHashOf(item, IndexedText.Describe(item)))
            {
                stale++;
            }
        }

        return report with { EmbeddingsMissing = missing, EmbeddingsStale = stale };
    }

    /// <summary>
    /// Rebuilds the cube's derived data from the store: drops its persisted index folder and cached index, re-embeds
    /// every searchable memory (replacing its persisted embedding), rebuilds the index and, above the threshold, its
    /// SPANN index (waited for and checkpointed). Reports progress as (done, total) embedded memories.
    /// </summary>
    public async Task<IndexReport> RebuildAsync(string tenant, string cubeId, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var key = (tenant, cubeId);
        var entry = cubes.GetOrAdd(key, _ => new CubeEntry());
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            entry.Index?.Dispose();
            entry.Index = null;
            entry.Bytes = 0;
            if (CubeFolder(tenant, cubeId) is { } folder && Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            var items = await ListIndexedAsync(tenant, cubeId, cancellationToken).ConfigureAwait(false);
            for (int start = 0; start < items.Count; start += 1000)
            {
                var batch = items.GetRange(start, Math.Min(1000, items.Count - start));
                var texts = batch.Select(IndexedText.Describe).ToList();
                var vectors = await EmbedMemoriesAsync(batch, texts, cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref embeddedTexts, batch.Count);
                await store.PutEmbeddingsAsync(tenant, cubeId, EmbedderId, batch.Select((item, i) => new StoredEmbedding(item.Id, EmbeddingHashOf(item, texts[i]), vectors[i])).ToList(), cancellationToken).ConfigureAwait(false);
                progress?.Report((start + batch.Count, items.Count));
            }
        }
        finally
        {
            entry.Gate.Release();
        }

        return await BuildIndexAsync(tenant, cubeId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Brings the cube's index up to the store and, above the threshold without a SPANN index, builds one now (also where
    /// <see cref="RetrievalStateOptions.BuildAnnInBackground"/> is off), waits for it and checkpoints it into the index
    /// folder, so a later process (a one-shot command) reopens it instead of scoring exactly. Re-embeds nothing: the
    /// persisted embeddings are used. Returns the cube's <see cref="VerifyAsync"/> report.
    /// </summary>
    public async Task<IndexReport> BuildIndexAsync(string tenant, string cubeId, CancellationToken cancellationToken = default)
    {
        await WithCubeAsync(tenant, cubeId, index =>
        {
            index.Vectors.Advance(startBuild: true);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        await WaitForIndexesAsync(cancellationToken).ConfigureAwait(false);
        return await VerifyAsync(tenant, cubeId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether this instance scored the cube exactly although it has more embeddings than
    /// <see cref="RetrievalStateOptions.AnnThreshold"/>, because <see cref="RetrievalStateOptions.BuildAnnInBackground"/>
    /// is off and no SPANN index was saved for it: <see cref="BuildIndexAsync"/> makes one (a host can say so).
    /// </summary>
    public bool AnnBuildDeferred(string tenant, string cubeId) =>
        !Options.BuildAnnInBackground && cubes.TryGetValue((tenant, cubeId), out var e) && e.Index?.Vectors.BuildDue == true;

    private async Task<List<MemoryItem>> ListIndexedAsync(string tenant, string cubeId, CancellationToken cancellationToken)
    {
        var items = new List<MemoryItem>();
        await foreach (var page in IndexedPagesAsync(tenant, cubeId, cancellationToken).ConfigureAwait(false))
        {
            items.AddRange(page);
        }

        return items;
    }

    /// <summary>The cube's searchable memories, a page at a time, in id order.</summary>
    private async IAsyncEnumerable<IReadOnlyList<MemoryItem>> IndexedPagesAsync(string tenant, string cubeId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = new MemoryFilter { CubeId = cubeId, States = IndexedStates };
        MemoryId? after = null;
        while (true)
        {
            var page = await store.ListAsync(tenant, filter, ListPage, after, cancellationToken).ConfigureAwait(false);
            yield return page;
            if (page.Count < ListPage)
            {
                yield break;
            }

            after = page[^1].Id;
        }
    }

    /// <summary>Whether the cube's vector signal is served by its SPANN index now (for tests and diagnostics).</summary>
    public bool ServesThroughAnn(string tenant, string cubeId) => cubes.TryGetValue((tenant, cubeId), out var e) && e.Index?.Vectors.UsesAnn == true;

    /// <summary>
    /// Told by this process's <see cref="MemoryCore.MemoryOS"/> that a memory of the cube was purged, and just before the
    /// purge commits (so a crash after the commit leaves no snapshot): the cube's snapshot
    /// on disk still holds the memory's analysed terms, so it is deleted now (the next open builds from the store, or the
    /// owning process writes a fresh one at its next search, which applies the purge and checkpoints at once). Until a
    /// catch-up has applied the purge, no snapshot is written from this process's index of the cube, not even when it is closed.
    /// </summary>
    public void OnPurged(string tenant, string cubeId)
    {
        // Counted before the delete: a checkpoint writing meanwhile then deletes what it wrote (see Checkpoint).
        if (cubes.TryGetValue((tenant, cubeId), out var entry))
        {
            Interlocked.Increment(ref entry.PurgesTold);
        }

        if (CubeFolder(tenant, cubeId) is { } folder && File.Exists(Path.Combine(folder, CubeIndexFile.FileName)))
        {
            CubeIndexFile.Delete(folder);
        }
    }

    /// <summary>
    /// Told by this process's <see cref="MemoryCore.MemoryOS"/> that the cube was deleted: its cached index is dropped
    /// without a checkpoint, its pending embeddings are forgotten and its index folder (snapshot, SPANN files) is removed.
    /// Waits for a search running on the cube to finish first, so nothing writes into the folder after it is gone.
    /// Another process's copy of the cube's index is never searched again (the cube no longer resolves) and cube ids are
    /// never reused; its folder goes when that process deletes it or the index directory is cleaned.
    /// </summary>
    public void OnCubeDeleted(string tenant, string cubeId)
    {
        var key = (tenant, cubeId);
        deleted.TryAdd(key, 0);
        backlog.TryRemove(key, out _);
        refused.TryRemove(key, out _);
        written.TryRemove(key, out _);
        if (cubes.TryGetValue(key, out var entry))
        {
            // Under the cube's lock, so a caller already past the deleted check finishes first; later ones see it.
            entry.Gate.Wait();
            try
            {
                entry.Index?.Dispose();
                entry.Index = null;
                entry.Bytes = 0;
                cubes.TryRemove(key, out _);
            }
            finally
            {
                entry.Gate.Release();
            }
        }

        if (CubeFolder(tenant, cubeId) is { } folder && Directory.Exists(folder))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Derived files of a cube that is gone from the store: never opened again (ids are not reused). The
                // delete has committed; failing it here would report a deleted cube as not deleted.
            }
        }
    }

    /// <summary>The change-feed sequence the cube's cached index has applied, or null when this instance holds no index for it.</summary>
    public long? AppliedSequence(string tenant, string cubeId) => cubes.TryGetValue((tenant, cubeId), out var e) && e.Index is { } index ? index.Sequence : null;

    /// <summary>Whether the cube's cached index was restored from its snapshot rather than built from the store.</summary>
    public bool RestoredFromSnapshot(string tenant, string cubeId) => cubes.TryGetValue((tenant, cubeId), out var e) && e.Index?.Restored == true;

    /// <summary>SPANN builds started for the cube by this instance (0 when it reopened a persisted index).</summary>
    public int AnnBuilds(string tenant, string cubeId) => cubes.TryGetValue((tenant, cubeId), out var e) ? e.Index?.Vectors.AnnBuilds ?? 0 : 0;

    /// <summary>
    /// The folder holding a cube's persisted indexes, or null without an <see cref="RetrievalStateOptions.IndexDirectory"/>, and
    /// null for an id that is not a cube id (a <see cref="MemoryCore.Identity.MemoryId"/>, as <see cref="MemoryCore.MemoryOS"/>
    /// makes them): such a cube, imported before archives' ids were checked, keeps its index in memory only, and its delete
    /// and rebuild still succeed.
    /// </summary>
    public string? CubeFolder(string tenant, string cubeId)
    {
        if (Options.IndexDirectory is null)
        {
            return null;
        }

        // The folder is deleted recursively with its cube: an id such as "../.." (an edited archive's, before the reader
        // checked it) named the database's own folder.
        if (!MemoryCore.Identity.MemoryId.TryParse(cubeId, out _))
        {
            return null;
        }

        // Tenants are free text: a hash keeps the folder name safe and fixed-length.
        string tenantKey = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tenant)).AsSpan(0, 8)).ToLowerInvariant();
        return Path.Combine(Options.IndexDirectory, tenantKey, cubeId);
    }

    /// <summary>Starts or completes the cube's SPANN build, and checkpoints the index (then its sequence) when due.</summary>
    private void AdvanceVectors(string tenant, string cubeId, CubeEntry entry)
    {
        var index = entry.Index!;
        bool served = index.Vectors.UsesAnn;
        index.Vectors.Advance(Options.BuildAnnInBackground);
        bool tookOver = !served && index.Vectors.UsesAnn;
        if (tookOver || entry.UpdatesSinceCheckpoint >= Options.CheckpointEvery)
        {
            // Tried again after another CheckpointEvery updates when it fails: the index in memory is whole either way.
            entry.UpdatesSinceCheckpoint = 0;
            TryCheckpoint(tenant, cubeId, entry);
        }
    }

    /// <summary>
    /// Checkpoints, and on failure (a full disk, a folder that cannot be written, a failed SPANN update) counts it instead
    /// of failing the search or the eviction that asked: the files are derived, and an older checkpoint or none only
    /// makes the next open replay or rebuild more from the store.
    /// </summary>
    private void TryCheckpoint(string tenant, string cubeId, CubeEntry entry)
    {
        try
        {
            Checkpoint(tenant, cubeId, entry);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or Vectors.VectorFormatException)
        {
            Interlocked.Increment(ref failedCheckpoints);
            LastCheckpointFailure = ex;
        }
    }

    private static bool IsVectorIndexDamage(Exception ex) =>
        ex is Vectors.VectorFormatException || (ex is InvalidOperationException && ex.InnerException is Vectors.VectorFormatException or IOException);

    private static void TryDeleteTier(string folder)
    {
        try
        {
            VectorTierFile.Delete(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure is the one to report; the next open tries the damaged index and fails the same way.
        }
    }

    /// <summary>Checkpoints that failed since this state was made (see <see cref="LastCheckpointFailure"/>).</summary>
    public int FailedCheckpoints => Volatile.Read(ref failedCheckpoints);

    /// <summary>Why the last failed checkpoint failed, or null.</summary>
    public Exception? LastCheckpointFailure { get; private set; }

    /// <summary>
    /// Checkpoints the SPANN index, then writes the lexical snapshot and <c>vectors.json</c> at the same sequence (the
    /// snapshot only for cubes big enough to be worth it, and never while a purge this process made is not applied: see
    /// <see cref="OnPurged"/>). Each file is replaced atomically; a crash between them leaves sequences that disagree, and
    /// the next open then builds from the store instead.
    /// </summary>
    private void Checkpoint(string tenant, string cubeId, CubeEntry entry)
    {
        var index = entry.Index!;
        index.Vectors.Checkpoint();
        if (CubeFolder(tenant, cubeId) is not { } folder || RebuildOnWrite || !index.Vectors.OwnsFolder)
        {
            return;
        }

        if (index.Count >= Options.SnapshotMinimum && !entry.PurgePending)
        {
            CubeIndexFile.Write(folder, index, EmbedderId, Options.WindowRadius);
        }

        // The snapshot on disk may hold a purged memory: the cube is too small to keep one now (a purge took it below the
        // minimum), or a purge was told during the write (OnPurged's delete may have come before the write landed).
        if ((index.Count < Options.SnapshotMinimum || entry.PurgePending) && File.Exists(Path.Combine(folder, CubeIndexFile.FileName)))
        {
            CubeIndexFile.Delete(folder);
        }

        if (index.Vectors.UsesAnn)
        {
            new VectorTierFile(VectorTierFile.CurrentFormat, EmbedderId, index.Vectors.Dimension, index.Sequence).Write(folder);
        }
    }

    /// <summary>
    /// Restores a cube from its snapshot when one matches (with the SPANN index checkpointed at the same sequence, or with
    /// exact vectors read back from the persisted embeddings). False leaves <paramref name="index"/> partly filled: discard it.
    /// </summary>
    private async Task<bool> TryRestoreAsync(string tenant, string cubeId, string folder, CubeIndex index, long head, CancellationToken cancellationToken)
    {
        var tier = VectorTierFile.Read(folder);

        // The SPANN index opens (heads, codes) on another thread while this one reads the lexical snapshot: the two
        // files are independent, and together they are most of a cold open.
        var opening = tier is not null && tier.Embedder == EmbedderId ? Task.Run(() => index.Vectors.TryOpen(tier.Dimension), CancellationToken.None) : null;
        long? restored;
        bool vectorsOpened;
        try
        {
            restored = CubeIndexFile.TryRead(folder, index, EmbedderId, Options.WindowRadius);
        }
        finally
        {
            vectorsOpened = opening is not null && await opening.ConfigureAwait(false);
        }

        if (restored is not { } sequence || sequence > head)
        {
            return false;
        }

        if (tier is not null)
        {
            if (!vectorsOpened || tier.Sequence != sequence)
            {
                return false;
            }

            index.MarkAllVectorsIndexed();
            await LoadPassageVectorsAsync(tenant, cubeId, index, index.LongMemories(), cancellationToken).ConfigureAwait(false);
            return true;
        }

        // Exact vectors: the persisted embeddings of the restored memories, each checked, as a build checks it, against
        // its memory's text and passage sizes now. One that does not fit (of an older text, written by a re-embedding
        // that lost a race with a newer one; of other passage sizes, whose vectors split into another number of groups)
        // is left out, and the memory queued for its vector. A memory changed since the snapshot gets its vector from
        // the catch-up, which re-indexes it with its current text.
        var embeddings = (await store.GetEmbeddingsAsync(tenant, cubeId, EmbedderId, null, cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.MemoryId);
        var fitting = new List<(StoredEmbedding Embedding, bool Long)>(embeddings.Count);
        await foreach (var page in IndexedPagesAsync(tenant, cubeId, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page)
            {
                if (embeddings.TryGetValue(item.Id, out var e) && index.TryGetSlot(item.Id, out int slot))
                {
                    string text = IndexedText.Describe(item);
                    if (index.SameText(slot, text) && e.TextHash == EmbeddingHashOf(item, text))
                    {
                        fitting.Add((e, index.Passages.PassagesOf(slot).Length > 0));
                    }
                }
            }
        }

        // Short memories first: their vectors fix the column's dimension, by which a long memory's concatenated vectors split.
        foreach (var (e, _) in fitting.OrderBy(f => f.Long))
        {
            index.SetVector(e.MemoryId, e.Vector);
        }

        return true;
    }

    /// <summary>
    /// A cube whose own vectors live in its SPANN index keeps its long memories' passage vectors in memory only: they are
    /// read back from the persisted embeddings (the passage part of each) when the cube is reopened, for the memories whose
    /// own vector the index holds. One without (rewritten, its re-embedding deferred) may have in the store the embedding
    /// of its old text, whose passage vectors fit the new passages by their number alone: it waits for its vectors whole.
    /// </summary>
    private async Task LoadPassageVectorsAsync(string tenant, string cubeId, CubeIndex index, List<MemoryId> ids, CancellationToken cancellationToken)
    {
        ids = ids.FindAll(id => index.TryGetSlot(id, out int slot) && index.Vectors.Has(slot));
        if (ids.Count == 0 || !Options.PersistEmbeddings)
        {
            return;
        }

        foreach (var e in await store.GetEmbeddingsAsync(tenant, cubeId, EmbedderId, ids, cancellationToken).ConfigureAwait(false))
        {
            index.SetPassageVectors(e.MemoryId, e.Vector);
        }
    }

    private void Close((string Tenant, string Cube) key, CubeEntry entry)
    {
        if (entry.Index is { } index)
        {
            try
            {
                // A build that finished since the cube's last search is taken over, and checkpointed with it: disposing the
                // column threw it away, and the next open built it again.
                if (index.Vectors.BuildFinished)
                {
                    AdvanceVectors(key.Tenant, key.Cube, entry);
                }

                // Nothing applied since the last checkpoint (or the restore): the files on disk already say it all.
                if (entry.UpdatesSinceCheckpoint > 0)
                {
                    TryCheckpoint(key.Tenant, key.Cube, entry);
                }
            }
            finally
            {
                DisposeClosing(index);
            }
        }

        entry.Index = null;
        entry.Bytes = 0;
    }

    /// <summary>
    /// Disposes a closing cube's index. Its SPANN index's final checkpoint failing is counted as <see cref="TryCheckpoint"/>
    /// counts one: the index is closed all the same and its log keeps the updates, and the close is an eviction's (which
    /// failed the search of another cube) or <see cref="Clear"/>'s (which stopped before the remaining cubes).
    /// </summary>
    private void DisposeClosing(CubeIndex index)
    {
        try
        {
            index.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or Vectors.VectorFormatException)
        {
            Interlocked.Increment(ref failedCheckpoints);
            LastCheckpointFailure = ex;
        }
    }

    /// <summary>An empty index of a cube whose SPANN index lives in <paramref name="folder"/> (a temporary one when null).</summary>
    private CubeIndex NewIndex(string? folder, long head)
    {
        var index = new CubeIndex(Options.WindowRadius, Options.AnnThreshold, folder is null ? null : Path.Combine(folder, "spann"), Options.PassageChars, Options.VectorPassageChars) { Sequence = head };
        index.Vectors.BuildGate = AnnBuildGate;
        return index;
    }

    private async Task<CubeIndex> BuildAsync(string tenant, string cubeId, long head, CancellationToken cancellationToken)
    {
        string? folder = RebuildOnWrite ? null : CubeFolder(tenant, cubeId);
        var index = NewIndex(folder, head);
        if (!index.Vectors.OwnsFolder)
        {
            folder = null; // another process owns the persisted index; this one keeps a private one
        }

        if (folder is not null)
        {
            // Only the abandoned ones: another process, or this one's closing copy of the cube, may be saving here now.
            CrashSafeLeftovers.SweepAbandoned(folder);
            bool restored;
            try
            {
                restored = await TryRestoreAsync(tenant, cubeId, folder, index, head, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                index.Dispose(); // its folder lock and any SPANN index it opened, or later opens lose the folder
                throw;
            }

            if (restored)
            {
                index.Restored = true;
                DeferWithoutVector(tenant, cubeId, index);
                return index;
            }

            index.Dispose();
            index = NewIndex(folder, head);
            if (!index.Vectors.OwnsFolder)
            {
                folder = null;
            }
        }

        try
        {
            // A persisted SPANN index: reopen it and take from the store only the vectors that changed since its checkpoint.
            HashSet<MemoryId>? changed = null;
            var tier = folder is null ? null : VectorTierFile.Read(folder);
            if (tier is not null && tier.Embedder == EmbedderId && tier.Sequence <= head && index.Vectors.TryOpen(tier.Dimension))
            {
                changed = await ChangedSinceAsync(tenant, cubeId, tier.Sequence, head, cancellationToken).ConfigureAwait(false);
            }
            else if (folder is not null && tier is not null)
            {
                VectorTierFile.Delete(folder); // another embedder, or unreadable: rebuilt when the cube is big enough
            }

            var stored = RebuildOnWrite || !Options.PersistEmbeddings || changed is not null
                ? new Dictionary<MemoryId, StoredEmbedding>()
                : (await store.GetEmbeddingsAsync(tenant, cubeId, EmbedderId, null, cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.MemoryId);
            await foreach (var page in IndexedPagesAsync(tenant, cubeId, cancellationToken).ConfigureAwait(false))
            {
                if (changed is null)
                {
                    await IndexAsync(tenant, cubeId, index, page, stored, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var fresh = page.Where(i => changed.Contains(i.Id)).ToList();
                    var same = page.Where(i => !changed.Contains(i.Id)).ToList();
                    foreach (var item in same)
                    {
                        index.Upsert(item, IndexedText.Describe(item), default, hasVector: false);
                        index.MarkVectorIndexed(item.Id);
                    }

                    await LoadPassageVectorsAsync(tenant, cubeId, index, same.Where(i => PassageColumn.IsLong(i.Text.Length, Options.VectorPassageChars)).Select(i => i.Id).ToList(), cancellationToken).ConfigureAwait(false);

                    var freshStored = (await store.GetEmbeddingsAsync(tenant, cubeId, EmbedderId, fresh.Select(i => i.Id).ToList(), cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.MemoryId);
                    await IndexAsync(tenant, cubeId, index, fresh, freshStored, cancellationToken).ConfigureAwait(false);
                }
            }

            // Changed since the checkpoint and no longer searchable (purged, superseded): out of the ANN index too.
            foreach (var id in changed ?? [])
            {
                if (!index.TryGetSlot(id, out _))
                {
                    index.RemoveGone(id);
                }
            }

            DeferWithoutVector(tenant, cubeId, index);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>Memories with a change-feed entry in (<paramref name="after"/>, <paramref name="head"/>].</summary>
    private async Task<HashSet<MemoryId>> ChangedSinceAsync(string tenant, string cubeId, long after, long head, CancellationToken cancellationToken)
    {
        var changed = new HashSet<MemoryId>();
        while (after < head)
        {
            var changes = await store.ReadChangesAsync(tenant, cubeId, after, Options.ChangeBatch, cancellationToken).ConfigureAwait(false);
            if (changes.Count == 0)
            {
                break;
            }

            foreach (var change in changes)
            {
                changed.Add(change.MemoryId);
            }

            after = changes[^1].Sequence;
        }

        return changed;
    }

    /// <summary>Applies the feed up to <paramref name="head"/>; true when it removed a purged memory.</summary>
    private async Task<bool> CatchUpAsync(string tenant, string cubeId, CubeIndex index, long head, CancellationToken cancellationToken)
    {
        bool purged = false;
        while (index.Sequence < head)
        {
            var changes = await store.ReadChangesAsync(tenant, cubeId, index.Sequence, Options.ChangeBatch, cancellationToken).ConfigureAwait(false);
            if (changes.Count == 0)
            {
                index.Sequence = head;
                break;
            }

            // Latest entry per memory wins; purges are applied at once, the rest re-read as they are now.
            var latest = new Dictionary<MemoryId, bool>();
            foreach (var change in changes)
            {
                latest[change.MemoryId] = change.Purged;
            }

            var reread = new List<MemoryId>(latest.Count);
            foreach (var (id, gone) in latest)
            {
                if (gone)
                {
                    index.RemoveGone(id);
                    ForgetRefused(tenant, cubeId, id);
                    purged = true;
                }
                else
                {
                    reread.Add(id);
                }
            }

            for (int start = 0; start < reread.Count; start += FetchChunk)
            {
                var ids = reread.GetRange(start, Math.Min(FetchChunk, reread.Count - start));
                var items = await store.GetManyAsync(tenant, ids, cancellationToken).ConfigureAwait(false);
                var found = new HashSet<MemoryId>(items.Select(i => i.Id));
                foreach (var id in ids)
                {
                    if (!found.Contains(id))
                    {
                        index.RemoveGone(id); // purged after this feed entry was written; its purge entry follows
                        ForgetRefused(tenant, cubeId, id);
                    }
                }

                var inCube = items.Where(i => string.Equals(i.CubeId, cubeId, StringComparison.Ordinal)).ToList();
                var stored = RebuildOnWrite || !Options.PersistEmbeddings
                    ? new Dictionary<MemoryId, StoredEmbedding>()
                    : (await store.GetEmbeddingsAsync(tenant, cubeId, EmbedderId, inCube.Where(i => CubeIndex.IsIndexed(i.State)).Select(i => i.Id).ToList(), cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.MemoryId);
                await IndexAsync(tenant, cubeId, index, inCube, stored, cancellationToken).ConfigureAwait(false);
            }

            index.Sequence = changes[^1].Sequence;
        }

        return purged;
    }

    /// <summary>Upserts <paramref name="items"/>, reusing stored vectors whose text hash still matches and embedding (and persisting) the rest.</summary>
    private async Task IndexAsync(string tenant, string cubeId, CubeIndex index, IReadOnlyList<MemoryItem> items, Dictionary<MemoryId, StoredEmbedding> stored, CancellationToken cancellationToken)
    {
        var texts = new string[items.Count];
        var vectors = new float[]?[items.Count];
        var missing = new List<int>();
        for (int i = 0; i < items.Count; i++)
        {
            if (!CubeIndex.IsIndexed(items[i].State))
            {
                continue;
            }

            texts[i] = IndexedText.Describe(items[i]);
            if (stored.TryGetValue(items[i].Id, out var e) && e.TextHash == EmbeddingHashOf(items[i], texts[i]))
            {
                vectors[i] = e.Vector;
            }
            else if (index.TryGetSlot(items[i].Id, out int slot) && index.SameText(slot, texts[i]) && index.Vectors.HasRow(slot)
                && index.FullVector(slot) is var held && held.Length == index.Vectors.Dimension * (1 + index.Passages.VectorGroupCount(slot)))
            {
                vectors[i] = held;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > Options.InlineEmbedLimit && hashing is null && !RebuildOnWrite)
        {
            // Too many for a model to embed before answering (a new embedder, an import): lexical now, vectors later.
            Defer(tenant, cubeId, missing.Select(i => items[i].Id));
            missing.Clear();
        }

        if (missing.Count > 0)
        {
            var fresh = new List<StoredEmbedding>(missing.Count);
            for (int start = 0; start < missing.Count; start += Options.EmbedBatch)
            {
                var batch = missing.GetRange(start, Math.Min(Options.EmbedBatch, missing.Count - start));
                var embedded = await EmbedMemoriesAsync(batch.Select(i => items[i]).ToList(), batch.Select(i => texts[i]).ToList(), cancellationToken).ConfigureAwait(false);
                for (int j = 0; j < batch.Count; j++)
                {
                    vectors[batch[j]] = embedded[j];
                    fresh.Add(new StoredEmbedding(items[batch[j]].Id, EmbeddingHashOf(items[batch[j]], texts[batch[j]]), embedded[j]));
                }
            }

            Interlocked.Add(ref embeddedTexts, missing.Count);
            if (Options.PersistEmbeddings && !RebuildOnWrite)
            {
                // Persisted embeddings are a cache (recomputed when missing): on a full disk the search goes on with the
                // vectors in hand rather than failing a read because a write could not be made.
                try
                {
                    await store.PutEmbeddingsAsync(tenant, cubeId, EmbedderId, fresh, cancellationToken).ConfigureAwait(false);
                }
                catch (StorageFullException)
                {
                }
            }
        }

        for (int i = 0; i < items.Count; i++)
        {
            if (!CubeIndex.IsIndexed(items[i].State))
            {
                index.RemoveGone(items[i].Id);
                ForgetRefused(tenant, cubeId, items[i].Id);
                continue;
            }

            index.Upsert(items[i], texts[i], vectors[i], vectors[i] is not null);
        }
    }

    /// <summary>
    /// The hash a memory's stored embedding must carry to be current: of its described text, and for a long memory (one
    /// indexed as passages) of the passage size too, since its embedding holds its passages' vectors.
    /// </summary>
    private string EmbeddingHashOf(MemoryItem item, string describedText) =>
        PassageColumn.IsLong(item.Text.Length, Options.VectorPassageChars)
            ? IndexedText.EmbeddingHash(describedText, $"{Options.PassageChars}/{Options.VectorPassageChars}")
            : IndexedText.EmbeddingHash(describedText, null);

    /// <summary>
    /// Each memory's embedding: the vector of its described text, followed, for a long memory, by one vector per passage
    /// (concatenated, as <see cref="CubeIndex.FullVector"/> lays it out). Texts go to the embedder in batches of
    /// <see cref="RetrievalStateOptions.EmbedBatch"/>.
    /// </summary>
    private async Task<float[][]> EmbedMemoriesAsync(List<MemoryItem> items, List<string> describedTexts, CancellationToken cancellationToken)
    {
        var texts = new List<string>(items.Count);
        var parts = new int[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            texts.Add(describedTexts[i]);
            var passages = PassageColumn.VectorSpans(items[i].Text, Options.PassageChars, Options.VectorPassageChars);
            foreach (var span in passages)
            {
                texts.Add(span.Of(items[i].Text)!);
            }

            parts[i] = 1 + passages.Count;
        }

        var rows = new List<float[]>(texts.Count);
        for (int start = 0; start < texts.Count; start += Options.EmbedBatch)
        {
            rows.AddRange(await EmbedAsync(texts.GetRange(start, Math.Min(Options.EmbedBatch, texts.Count - start)), cancellationToken).ConfigureAwait(false));
        }

        var result = new float[items.Count][];
        int at = 0;
        for (int i = 0; i < items.Count; i++)
        {
            result[i] = parts[i] == 1 ? rows[at] : rows.GetRange(at, parts[i]).SelectMany(r => r).ToArray();
            at += parts[i];
        }

        return result;
    }

    private async Task<float[][]> EmbedAsync(List<string> texts, CancellationToken cancellationToken)
    {
        if (hashing is not null)
        {
            var rows = new float[texts.Count][];
            for (int i = 0; i < texts.Count; i++)
            {
                rows[i] = hashing.Embed(texts[i]);
            }

            return rows;
        }

        var generated = await GenerateAsync(texts, null, cancellationToken).ConfigureAwait(false);
        if (generated.Count != texts.Count)
        {
            throw new Vectors.VectorFormatException($"The embedder returned {generated.Count} vectors for {texts.Count} texts.");
        }

        var vectors = generated.Select(g => g.Vector.ToArray()).ToArray();
        for (int i = 0; i < vectors.Length; i++)
        {
            // Refused here, as the embedder's fault, before the store refuses it as a bad argument (or, one too long for
            // single-precision distances, the index): stored, it would match its text hash and never be embedded again.
            if (Vectors.VectorDistance.DescribeUnindexable(vectors[i]) is { } bad)
            {
                throw new Vectors.VectorFormatException(string.Create(CultureInfo.InvariantCulture, $"The embedder '{EmbedderId}' returned a vector with {bad} (text {i + 1} of {texts.Count}); it is not stored."));
            }
        }

        return vectors;
    }

    /// <summary>Closes the least recently searched cubes, except <paramref name="keep"/>, until the cache fits its budget.</summary>
    private void EvictOverBudget((string, string)? keep)
    {
        long total = 0;
        foreach (var (_, entry) in cubes)
        {
            total += entry.Bytes + CubeEntry.Overhead;
        }

        if (total <= Options.CacheBytes)
        {
            return;
        }

        foreach (var (key, entry) in cubes.OrderBy(c => c.Value.LastUsed))
        {
            if (total <= Options.CacheBytes)
            {
                break;
            }

            long bytes = entry.Bytes;
            if (key != keep && entry.Index is not null && TryClose(key, entry, evicting: true))
            {
                total -= bytes;
            }
        }
    }

    private sealed class CubeEntry
    {
        /// <summary>An entry's own bytes (semaphore, dictionary slot, key strings), kept after its index is evicted.</summary>
        public const long Overhead = 320;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public CubeIndex? Index { get; set; }

        public long Bytes { get; set; }

        public long LastUsed { get; set; }

        public int UpdatesSinceCheckpoint { get; set; }

        /// <summary>Purges of the cube this process committed (<see cref="OnPurged"/>); a field, for <see cref="Interlocked"/>.</summary>
        public int PurgesTold;

        /// <summary>How many of <see cref="PurgesTold"/> the index has applied: those counted before its last catch-up began.</summary>
        public int PurgesApplied { get; set; }

        /// <summary>Whether the index may still hold a memory this process purged, which no checkpoint may write back.</summary>
        public bool PurgePending => Volatile.Read(ref PurgesTold) != PurgesApplied;

        /// <summary>The index's sequence and vector tier when <see cref="Bytes"/> was estimated.</summary>
        public (long Sequence, bool Ann, bool Building) BytesAt { get; set; } = (-1, false, false);
    }
}
