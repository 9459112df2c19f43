namespace AgentMem.Stores.InMemory;

/// <summary>The change feed and persisted embeddings.</summary>
public sealed partial class InMemoryMemoryStore
{
    /// <inheritdoc/>
    public Task<long> GetChangeSequenceAsync(string tenant, string cubeId, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        return Database.Find(tenant)?.Changes.GetValueOrDefault(cubeId) is { Count: > 0 } feed ? feed[^1].Sequence : 0L;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<MemoryChangeRecord>> ReadChangesAsync(string tenant, string cubeId, long afterSequence, int limit, CancellationToken cancellationToken = default) => Run<IReadOnlyList<MemoryChangeRecord>>(() =>
    {
        StoreArguments.RequireChangeRead(tenant, cubeId, afterSequence, limit);
        if (Database.Find(tenant)?.Changes.GetValueOrDefault(cubeId) is not { } feed)
        {
            return [];
        }

        // The feed is in sequence order: find the first entry past the reader's position, then read on.
        int low = 0, high = feed.Count;
        while (low < high)
        {
            int mid = (low + high) / 2;
            if (feed[mid].Sequence <= afterSequence)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return feed.GetRange(low, Math.Min(limit, feed.Count - low));
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<long> CountAsync(string tenant, MemoryFilter filter, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Database.Find(tenant) is { } data ? data.Memories.Values.LongCount(m => MemoryFilterMatch.Matches(filter, m.Current)) : 0L;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<long> CountWithoutEmbeddingAsync(string tenant, string? cubeId, string embedder, IReadOnlyCollection<LifecycleState> states, CancellationToken cancellationToken = default) => Run(() =>
    {
        StoreArguments.RequireEmbeddingCount(tenant, embedder, states);
        if (states.Count == 0 || Database.Find(tenant) is not { } data)
        {
            return 0L;
        }

        return data.Memories.Values.LongCount(m =>
            (cubeId is null || m.Current.CubeId == cubeId) && states.Contains(m.Current.State) && !m.Embeddings.ContainsKey(embedder));
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<MemoryId>? ids, CancellationToken cancellationToken = default) => Run<IReadOnlyList<StoredEmbedding>>(() =>
    {
        StoreArguments.RequireEmbeddingRead(tenant, cubeId, embedder);
        if (Database.Find(tenant) is not { } data)
        {
            return [];
        }

        var candidates = ids is null
            ? data.Memories.Values
            : ids.Distinct().Select(id => data.Memories.GetValueOrDefault(id)).OfType<StoredMemory>();
        var found = new List<StoredEmbedding>(ids?.Count ?? data.Memories.Count);
        foreach (var stored in candidates)
        {
            if (stored.Current.CubeId == cubeId && stored.Embeddings.TryGetValue(embedder, out var embedding))
            {
                found.Add(ImmutableCopy.Of(embedding));
            }
        }

        return found;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task PutEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<StoredEmbedding> embeddings, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        StoreArguments.RequireEmbeddingWrite(cubeId, embedder, embeddings);

        if (Database.Find(tenant) is not { } data)
        {
            return 0;
        }

        // Only for a memory still in the cube: a purge that came first must not be undone here.
        foreach (var embedding in embeddings)
        {
            if (data.Memories.TryGetValue(embedding.MemoryId, out var stored) && stored.Current.CubeId == cubeId)
            {
                stored.Embeddings[embedder] = ImmutableCopy.Of(embedding);
            }
        }

        return 0;
    }, cancellationToken);
}
