using AgentMem.Common.Http;
using AgentMem.Retrieval.Embeddings;

namespace AgentMem.Retrieval.State;

/// <summary>
/// The background embedder of <see cref="RetrievalState"/>: memories whose embedding a build or catch-up did not compute
/// inline (more than <see cref="RetrievalStateOptions.InlineEmbedLimit"/> at once, e.g. every memory after the embedder
/// changed) are indexed lexically at once and queued here; one pool task embeds them in batches, persists the vectors,
/// and adds them to the cube's vector signal if the memory still has the text that was embedded. A failed batch is tried
/// again after a back-off (<see cref="RetrievalStateOptions.FirstEmbedRetryDelay"/>, doubling up to
/// <see cref="RetrievalStateOptions.MaxEmbedRetryDelay"/>); a memory the embedder refuses as bad input is set aside
/// (<see cref="RefusedEmbeddings"/>) so that it does not hold back the others.
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

    // Failed batches in a row (the back-off's exponent) and in all (so a wait knows whether its own run failed), and
    // whether a retry is scheduled: until it fires, a deferral only queues, so an endpoint that is down is not called per write.
    private int backlogFailures;
    private long failedBatches;
    private bool retryWaiting;
    private int retryGeneration;
    private Task retryTask = Task.CompletedTask;

    // Memories the embedder refused as bad input: searchable by their words only, until their text changes or their cube
    // is opened again (a restart, an eviction), which queues them once more.
    private readonly ConcurrentDictionary<(string Tenant, string Cube), ConcurrentDictionary<MemoryId, byte>> refused = new();

    /// <summary>Searchable memories waiting for the background embedder (all cubes).</summary>
    public long PendingEmbeddings => backlog.Values.Sum(s => (long)s.Count);

    /// <summary>Memories the background embedder has added to the vector signal since this state was created.</summary>
    public long BackgroundEmbedded => Interlocked.Read(ref backgroundEmbedded);

    /// <summary>
    /// Why the last background batch (or catch-up) failed (the embedder or the store), or null once a batch has succeeded
    /// since. Its memories stay queued and are tried again after a back-off (<see cref="RetrievalStateOptions.FirstEmbedRetryDelay"/>,
    /// doubling up to <see cref="RetrievalStateOptions.MaxEmbedRetryDelay"/>), or at once by <see cref="WaitForEmbeddingsAsync"/>.
    /// </summary>
    public Exception? BackgroundEmbeddingError { get; private set; }

    /// <summary>
    /// Memories the embedder refused as bad input (<see cref="EmbeddingInputException"/>, or an endpoint's 400, 413 or 422
    /// for their text), over all cubes: they are searchable by their words only, and no longer wait. One is queued again
    /// when its text changes or its cube is next opened (a restart, an eviction).
    /// </summary>
    public long RefusedEmbeddings => refused.Values.Sum(s => (long)s.Count);

    /// <summary>The memories of one cube the embedder refused (see <see cref="RefusedEmbeddings"/>).</summary>
    public IReadOnlyCollection<MemoryId> RefusedEmbeddingsIn(string tenant, string cubeId) =>
        refused.TryGetValue((tenant, cubeId), out var set) ? [.. set.Keys] : [];

    /// <summary>Why the embedder refused the last memory it refused (see <see cref="RefusedEmbeddings"/>), or null.</summary>
    public Exception? LastEmbeddingRefusal { get; private set; }

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
            catch (CubeNotFoundException)
            {
                // Deleted since the write (its delete told this state, or another process deleted it): nothing to catch up.
            }
            catch (Exception ex)
            {
                // The next search of the cube catches up (and reports) instead.
                BackgroundEmbeddingError ??= ex;
                Options.EmbeddingFailures?.Report(ex);
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

    /// <summary>
    /// Catches the cube's index up with the store's latest change (queueing what it must embed) when this state holds one,
    /// as after another node's change notice; returns false, loading nothing, for a cube not held (never searched here, or
    /// evicted), which its next search loads. It is no search: the cube keeps its place among the least recently searched
    /// (<see cref="RetrievalStateOptions.CacheBytes"/>) and may be evicted for the bytes the catch-up added.
    /// </summary>
    public Task<bool> CatchUpHeldAsync(string tenant, string cubeId, CancellationToken cancellationToken = default) =>
        WithCubeAsync(tenant, cubeId, _ => true, search: false, cancellationToken);

    /// <summary>
    /// Waits until no memory waits for the background embedder, trying a failed batch again at once rather than after its
    /// back-off. Memories the embedder refuses (<see cref="RefusedEmbeddings"/>) do not wait.
    /// </summary>
    /// <exception cref="InvalidOperationException">A batch failed while waiting; the memories it could not embed stay queued (and are tried again after the back-off).</exception>
    public async Task WaitForEmbeddingsAsync(CancellationToken cancellationToken = default)
    {
        while (PendingEmbeddings > 0)
        {
            Task running;
            long failedBefore;
            lock (backlogLock)
            {
                failedBefore = failedBatches;
                StartBacklogLocked(); // a wait is a retry
                running = backlogTask;
            }

            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (Interlocked.Read(ref failedBatches) != failedBefore && BackgroundEmbeddingError is { } error)
            {
                throw new InvalidOperationException($"The background embedder failed with {PendingEmbeddings} memories still waiting: {error.Message}", error);
            }
        }
    }

    /// <summary>Queues memories of a cube for the background embedder and makes sure it runs.</summary>
    private void Defer(string tenant, string cubeId, IEnumerable<MemoryId> ids)
    {
        var pending = backlog.GetOrAdd((tenant, cubeId), _ => new ConcurrentDictionary<MemoryId, long>());
        refused.TryGetValue((tenant, cubeId), out var setAside);
        foreach (var id in ids)
        {
            pending[id] = Interlocked.Increment(ref backlogStamp);
            setAside?.TryRemove(id, out _); // waiting again: a new text, or its cube opened again
        }

        lock (backlogLock)
        {
            // After a failure the scheduled retry drains what was queued meanwhile: starting now would call an endpoint
            // that is down once per write.
            if (!retryWaiting)
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
            bool embedded;
            try
            {
                embedded = await EmbedOrSetAsideAsync(next.Key.Tenant, next.Key.Cube, next.Value, taken, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                lock (backlogLock)
                {
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        BackgroundEmbeddingError = ex;
                        backlogFailures++;
                        Interlocked.Increment(ref failedBatches);
                        ScheduleRetryLocked();
                    }

                    backlogRunning = false;
                }

                if (!cancellationToken.IsCancellationRequested)
                {
                    Options.EmbeddingFailures?.Report(ex);
                }

                return;
            }

            if (embedded)
            {
                lock (backlogLock)
                {
                    // Working again: a retry still scheduled (a wait retried first) must not hold later deferrals back.
                    BackgroundEmbeddingError = null;
                    backlogFailures = 0;
                    retryWaiting = false;
                    retryGeneration++;
                }
            }

            Options.EmbeddingProgress?.Report(new EmbeddingProgress(PendingEmbeddings, BackgroundEmbedded));
        }
    }

    /// <summary>Starts the drain again after the back-off of the failures in a row so far (not while disposed, or already scheduled).</summary>
    private void ScheduleRetryLocked()
    {
        if (retryWaiting || disposed)
        {
            return;
        }

        retryWaiting = true;
        var delay = RetryTiming.Delay(Math.Max(0, backlogFailures - 1), Options.FirstEmbedRetryDelay, Options.MaxEmbedRetryDelay, null, Random.Shared);
        retryTask = RetryAfterAsync(delay, ++retryGeneration, backlogStop.Token);
    }

    private async Task RetryAfterAsync(TimeSpan delay, int generation, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        lock (backlogLock)
        {
            if (generation == retryGeneration) // not superseded by a batch that succeeded meanwhile
            {
                retryWaiting = false;
                StartBacklogLocked();
            }
        }
    }

    /// <summary>
    /// Embeds a batch; when the embedder refuses it as bad input, embeds each half on its own, down to the single memory it
    /// refuses, which is set aside (<see cref="RefusedEmbeddings"/>) rather than failing its batch at every try, and every
    /// batch queued behind it. True when some memory was embedded (or needed nothing); any other failure propagates.
    /// </summary>
    private async Task<bool> EmbedOrSetAsideAsync(string tenant, string cubeId, ConcurrentDictionary<MemoryId, long> pending, List<KeyValuePair<MemoryId, long>> taken, CancellationToken cancellationToken)
    {
        try
        {
            await EmbedPendingAsync(tenant, cubeId, pending, taken, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsRefusal(ex) && !cancellationToken.IsCancellationRequested)
        {
            if (taken.Count == 1)
            {
                // Unless it was queued again meanwhile (a new text, which gets its own try).
                if (pending.TryRemove(taken[0]))
                {
                    refused.GetOrAdd((tenant, cubeId), _ => new ConcurrentDictionary<MemoryId, byte>()).TryAdd(taken[0].Key, 0);
                }

                LastEmbeddingRefusal = ex;
                return false;
            }

            int half = taken.Count / 2;
            bool first = await EmbedOrSetAsideAsync(tenant, cubeId, pending, taken.GetRange(0, half), cancellationToken).ConfigureAwait(false);
            bool second = await EmbedOrSetAsideAsync(tenant, cubeId, pending, taken.GetRange(half, taken.Count - half), cancellationToken).ConfigureAwait(false);
            return first || second;
        }
    }

    /// <summary>
    /// Whether the embedder refused the texts themselves, so that sending them again cannot succeed: bad input, or an
    /// endpoint's 400, 413 or 422. A 401, 403 or 404 (a wrong key, model or URL) fails every text alike and is retried.
    /// </summary>
    private static bool IsRefusal(Exception ex) => ex is EmbeddingInputException
        || (ex is EmbeddingServiceException { StatusCode: HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity });

    /// <summary>Forgets that the embedder refused a memory that is gone (purged, or no longer searchable).</summary>
    private void ForgetRefused(string tenant, string cubeId, MemoryId id)
    {
        if (refused.TryGetValue((tenant, cubeId), out var set))
        {
            set.TryRemove(id, out _);
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

        // Counted before the batch leaves the queue: a caller that finds nothing pending (WaitForEmbeddingsAsync returns at
        // once then) must read the count with this batch in it, not just before the drain adds it.
        Interlocked.Add(ref backgroundEmbedded, items.Count);
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
        AwaitStopped(catchUpTask);
        AwaitStopped(backlogTask);

        // Read after the drain ended: a batch failing as the stop began may have scheduled it (its delay ends at the cancel).
        Task retry;
        lock (backlogLock)
        {
            retry = retryTask;
        }

        AwaitStopped(retry);
        backlogStop.Dispose();
    }

    private static void AwaitStopped(Task task)
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
}
