namespace AgentMem.Retrieval.State;

/// <summary>
/// The background embedder of <see cref="RetrievalState"/>: memories whose embedding a build or catch-up did not compute
/// inline (more than <see cref="RetrievalStateOptions.InlineEmbedLimit"/> at once, e.g. every memory after the embedder
/// changed) are indexed lexically at once and queued here; one pool task embeds them in batches, persists the vectors,
/// and adds them to the cube's vector signal if the memory still has the text that was embedded.
/// </summary>
public sealed partial class RetrievalState
{
    // Each queued memory with the stamp of its latest request (see Forget): a memory queued again while its old text is
    // being embedded (it changed) stays queued for its new text.
    private readonly ConcurrentDictionary<(string Tenant, string Cube), ConcurrentDictionary<MemoryId, long>> backlog = new();
    private long backlogStamp;
    private readonly Lock backlogLock = new();
    private readonly CancellationTokenSource backlogStop = new();
    private Task backlogTask = Task.CompletedTask;
    private readonly ConcurrentDictionary<(string Tenant, string Cube), byte> written = new();
    private bool backlogRunning;
    private bool catchUpRunning;
    private Task catchUpTask = Task.CompletedTask;
    private long backgroundEmbedded;

    /// <summary>Searchable memories waiting for the background embedder (all cubes).</summary>
    public long PendingEmbeddings => backlog.Values.Sum(s => (long)s.Count);

    /// <summary>Memories the background embedder has added to the vector signal since this state was created.</summary>
    public long BackgroundEmbedded => Interlocked.Read(ref backgroundEmbedded);

    /// <summary>Why the background embedder stopped (the embedder or the store failed), or null; pending memories stay queued and are retried by <see cref="WaitForEmbeddingsAsync"/> or the next deferral.</summary>
    public Exception? BackgroundEmbeddingError { get; private set; }

    /// <summary>
    /// Told after a committed write to the cube. With <see cref="RetrievalStateOptions.QueueAfterWrites"/> and a model
    /// embedder, the cube catches up with the store in the background, which queues the new memories for their vectors;
    /// otherwise nothing happens until the next search. Cheap: the caller is the writer.
    /// </summary>
    public void OnCubeWritten(string tenant, string cubeId)
    {
        if (!Options.QueueAfterWrites || hashing is not null || disposed)
        {
            return;
        }

        written.TryAdd((tenant, cubeId), 0);
        lock (backlogLock)
        {
            if (!catchUpRunning && !disposed)
            {
                catchUpRunning = true;
                catchUpTask = Task.Run(() => CatchUpWrittenAsync(backlogStop.Token));
            }
        }
    }

    private async Task CatchUpWrittenAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = written.Keys.FirstOrDefault();
            if (next == default)
            {
                lock (backlogLock)
                {
                    if (written.IsEmpty)
                    {
                        catchUpRunning = false;
                        return;
                    }
                }

                continue;
            }

            written.TryRemove(next, out _);
            try
            {
                await PrepareAsync(next.Tenant, next.Cube, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The next search of the cube catches up (and reports) instead; a purged cube simply has nothing to do.
                BackgroundEmbeddingError ??= ex;
            }
        }

        lock (backlogLock)
        {
            catchUpRunning = false;
        }
    }

    /// <summary>Memories of one cube waiting for the background embedder (0 for a cube this state has not opened).</summary>
    public long PendingEmbeddingsIn(string tenant, string cubeId) => backlog.TryGetValue((tenant, cubeId), out var pending) ? pending.Count : 0;

    /// <summary>
    /// Picks up the embedding work a previous process left (it stopped, or was killed, before every memory had a vector):
    /// opens each of the tenant's cubes whose searchable memories lack a stored embedding for this embedder, which queues
    /// exactly those memories. The store is the queue's durable record: a memory is queued from the moment it is committed
    /// until its embedding is, so nothing is lost by a crash, and an embedding stored before it is never computed again.
    /// Returns the number of memories queued. A host calls it once at start, per tenant it serves.
    /// </summary>
    public async Task<long> ResumeEmbeddingAsync(string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        long queued = 0;
        foreach (var cube in await store.ListCubesAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            if (await store.CountWithoutEmbeddingAsync(tenant, cube.Id, EmbedderId, IndexedStates, cancellationToken).ConfigureAwait(false) > 0)
            {
                await PrepareAsync(tenant, cube.Id, cancellationToken).ConfigureAwait(false);
                queued += PendingEmbeddingsIn(tenant, cube.Id);
            }
        }

        return queued;
    }

    /// <summary>Builds (or catches up) the cube's index now, queueing what it must embed, as a first search would.</summary>
    public Task PrepareAsync(string tenant, string cubeId, CancellationToken cancellationToken = default) =>
        WithCubeAsync(tenant, cubeId, _ => 0, cancellationToken);

    /// <summary>Waits until no memory waits for the background embedder.</summary>
    /// <exception cref="InvalidOperationException">The background embedder failed; the memories it could not embed stay queued.</exception>
    public async Task WaitForEmbeddingsAsync(CancellationToken cancellationToken = default)
    {
        while (PendingEmbeddings > 0)
        {
            Task running;
            lock (backlogLock)
            {
                BackgroundEmbeddingError = null; // a wait is a retry
                StartBacklogLocked();
                running = backlogTask;
            }

            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (BackgroundEmbeddingError is { } error)
            {
                throw new InvalidOperationException($"The background embedder failed with {PendingEmbeddings} memories still waiting: {error.Message}", error);
            }
        }
    }

    /// <summary>Queues memories of a cube for the background embedder and makes sure it runs.</summary>
    private void Defer(string tenant, string cubeId, IEnumerable<MemoryId> ids)
    {
        var pending = backlog.GetOrAdd((tenant, cubeId), _ => new ConcurrentDictionary<MemoryId, long>());
        foreach (var id in ids)
        {
            pending[id] = Interlocked.Increment(ref backlogStamp);
        }

        lock (backlogLock)
        {
            if (BackgroundEmbeddingError is null)
            {
                StartBacklogLocked();
            }
        }

        Options.EmbeddingProgress?.Report(new EmbeddingProgress(PendingEmbeddings, BackgroundEmbedded));
    }

    /// <summary>Queues the cube's indexed memories that have no vector (queued before a restart, or deferred by this build).</summary>
    private void DeferWithoutVector(string tenant, string cubeId, CubeIndex index)
    {
        var without = index.WithoutVector();
        if (without.Count > 0)
        {
            Defer(tenant, cubeId, without);
        }
    }

    private void StartBacklogLocked()
    {
        if (!backlogRunning && !disposed)
        {
            backlogRunning = true;
            backlogTask = Task.Run(() => DrainBacklogAsync(backlogStop.Token));
        }
    }

    private async Task DrainBacklogAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = backlog.FirstOrDefault(p => !p.Value.IsEmpty);
            if (next.Value is null)
            {
                lock (backlogLock)
                {
                    if (backlog.Values.All(s => s.IsEmpty))
                    {
                        backlogRunning = false;
                        return;
                    }
                }

                continue;
            }

            var taken = next.Value.Take(Options.EmbedBatch).ToList();
            try
            {
                await EmbedPendingAsync(next.Key.Tenant, next.Key.Cube, next.Value, taken, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                lock (backlogLock)
                {
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        BackgroundEmbeddingError = ex;
                    }

                    backlogRunning = false;
                }

                return;
            }

            Options.EmbeddingProgress?.Report(new EmbeddingProgress(PendingEmbeddings, BackgroundEmbedded));
        }
    }

    /// <summary>
    /// Embeds (or finds persisted) the memories' current text, persists it, adds the vectors to the cube if it is open and
    /// the text still matches, and takes the batch's requests off the queue (<see cref="Forget"/>).
    /// </summary>
    private async Task EmbedPendingAsync(string tenant, string cubeId, ConcurrentDictionary<MemoryId, long> pending, List<KeyValuePair<MemoryId, long>> taken, CancellationToken cancellationToken)
    {
        var items = (await store.GetManyAsync(tenant, taken.ConvertAll(r => r.Key), cancellationToken).ConfigureAwait(false))
            .Where(i => string.Equals(i.CubeId, cubeId, StringComparison.Ordinal) && CubeIndex.IsIndexed(i.State))
            .ToList();
        if (items.Count == 0)
        {
            Forget(pending, taken, null);
            return; // purged or moved since they were queued
        }

        var texts = items.Select(IndexedText.Describe).ToList();
        var stored = Options.PersistEmbeddings
            ? (await store.GetEmbeddingsAsync(tenant, cubeId, EmbedderId, items.Select(i => i.Id).ToList(), cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.MemoryId)
            : [];
        var vectors = new float[items.Count][];
        var missing = new List<int>();
        for (int i = 0; i < items.Count; i++)
        {
            if (stored.TryGetValue(items[i].Id, out var e) && e.TextHash == EmbeddingHashOf(items[i], texts[i]))
            {
                vectors[i] = e.Vector; // another process got there first
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            var embedded = await EmbedMemoriesAsync(missing.Select(i => items[i]).ToList(), missing.Select(i => texts[i]).ToList(), cancellationToken).ConfigureAwait(false);
            for (int j = 0; j < missing.Count; j++)
            {
                vectors[missing[j]] = embedded[j];
            }

            Interlocked.Add(ref embeddedTexts, missing.Count);
            if (Options.PersistEmbeddings)
            {
                await store.PutEmbeddingsAsync(tenant, cubeId, EmbedderId, missing.Select(i => new StoredEmbedding(items[i].Id, EmbeddingHashOf(items[i], texts[i]), vectors[i])).ToList(), cancellationToken).ConfigureAwait(false);
            }
        }

        if (cubes.TryGetValue((tenant, cubeId), out var entry))
        {
            await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                HashSet<MemoryId>? applied = null;
                if (entry.Index is { } index)
                {
                    applied = [];
                    for (int i = 0; i < items.Count; i++)
                    {
                        if (index.TryGetSlot(items[i].Id, out int slot) && index.SameText(slot, texts[i]))
                        {
                            index.SetVector(items[i].Id, vectors[i]);
                            applied.Add(items[i].Id);
                        }
                    }
                }

                // Under the gate: a catch-up, which queues a changed memory again, holds it too.
                Forget(pending, taken, applied);
            }
            finally
            {
                entry.Gate.Release();
            }
        }
        else
        {
            Forget(pending, taken, null);
        }

        Interlocked.Add(ref backgroundEmbedded, items.Count);
    }

    /// <summary>
    /// Takes a batch's requests off the queue: a memory whose vector the cube now holds (<paramref name="applied"/>) in any
    /// case, any other only if it was not queued again since the batch took it. A memory changed while its old text was
    /// being embedded is queued again by the catch-up; dropping that request too left it without a vector until a restart.
    /// </summary>
    private static void Forget(ConcurrentDictionary<MemoryId, long> pending, List<KeyValuePair<MemoryId, long>> taken, HashSet<MemoryId>? applied)
    {
        foreach (var request in taken)
        {
            if (applied?.Contains(request.Key) == true)
            {
                pending.TryRemove(request.Key, out _);
            }
            else
            {
                pending.TryRemove(request);
            }
        }
    }

    /// <summary>Stops the background embedder (what it had not embedded is embedded by the next process that opens the cube).</summary>
    private void StopBacklog()
    {
        backlogStop.Cancel();
        foreach (var task in new[] { catchUpTask, backlogTask })
        {
            try
            {
                task.Wait();
            }
            catch (AggregateException)
            {
                // Cancelled mid-batch: nothing half-applied (vectors are added under the cube's gate, after persisting).
            }
        }

        backlogStop.Dispose();
    }
}
