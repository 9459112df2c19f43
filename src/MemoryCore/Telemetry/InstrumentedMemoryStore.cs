namespace AgentMem.MemoryCore.Telemetry;

/// <summary>
/// Times every call <see cref="MemoryOS"/> makes on its store into <c>agentmem.store.operation.duration</c>, tagged with the
/// operation and the store's type, and otherwise passes it through untouched. With no listener on the histogram the
/// calls go straight through.
/// </summary>
internal sealed class InstrumentedMemoryStore(IMemoryStore inner) : IMemoryStore
{
    private readonly string kind = inner.GetType().Name;

    public Task CreateCubeAsync(MemCube cube, AuditRecord audit, CancellationToken cancellationToken = default) =>
        Timed("CreateCube", Stopwatch.GetTimestamp(), inner.CreateCubeAsync(cube, audit, cancellationToken));

    public Task RestoreCubeAsync(MemCube cube, IReadOnlyList<IReadOnlyList<MemoryItem>> histories, AuditRecord audit, Export.ArchivedEmbeddings? embeddings = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default) =>
        Timed("RestoreCube", Stopwatch.GetTimestamp(), inner.RestoreCubeAsync(cube, histories, audit, embeddings, progress, cancellationToken));

    public Task<MemCube?> FindCubeAsync(string tenant, string idOrName, CancellationToken cancellationToken = default) =>
        Timed("FindCube", Stopwatch.GetTimestamp(), inner.FindCubeAsync(tenant, idOrName, cancellationToken));

    public Task<IReadOnlyList<MemCube>> ListCubesAsync(string tenant, CancellationToken cancellationToken = default) =>
        Timed("ListCubes", Stopwatch.GetTimestamp(), inner.ListCubesAsync(tenant, cancellationToken));

    public Task<MemCube> UpdateCubeAsync(string tenant, string cubeId, Func<MemCube, MemCube> change, AuditRecord audit, CancellationToken cancellationToken = default) =>
        Timed("UpdateCube", Stopwatch.GetTimestamp(), inner.UpdateCubeAsync(tenant, cubeId, change, audit, cancellationToken));

    public Task<IReadOnlyList<AddOutcome>> AddAsync(string tenant, IReadOnlyList<MemoryItem> items, AddOptions options, AuditRecord audit, CancellationToken cancellationToken = default) =>
        Timed("Add", Stopwatch.GetTimestamp(), inner.AddAsync(tenant, items, options, audit, cancellationToken));

    public Task<MemoryItem?> GetAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default) =>
        Timed("Get", Stopwatch.GetTimestamp(), inner.GetAsync(tenant, id, cancellationToken));

    public Task<IReadOnlyList<MemoryItem>> GetManyAsync(string tenant, IReadOnlyList<MemoryId> ids, CancellationToken cancellationToken = default) =>
        Timed("GetMany", Stopwatch.GetTimestamp(), inner.GetManyAsync(tenant, ids, cancellationToken));

    public Task ReplaceManyAsync(string tenant, IReadOnlyList<MemoryReplacement> replacements, CancellationToken cancellationToken = default) =>
        Timed("ReplaceMany", Stopwatch.GetTimestamp(), inner.ReplaceManyAsync(tenant, replacements, cancellationToken));

    public Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default) =>
        Timed("GetHistory", Stopwatch.GetTimestamp(), inner.GetHistoryAsync(tenant, id, cancellationToken));

    public Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, long afterVersion, int limit, CancellationToken cancellationToken = default) =>
        Timed("GetHistory", Stopwatch.GetTimestamp(), inner.GetHistoryAsync(tenant, id, afterVersion, limit, cancellationToken));

    public Task<IReadOnlyList<MemoryItem>> ListAsync(string tenant, MemoryFilter filter, int limit, MemoryId? after = null, CancellationToken cancellationToken = default) =>
        Timed("List", Stopwatch.GetTimestamp(), inner.ListAsync(tenant, filter, limit, after, cancellationToken));

    public Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default) =>
        Timed("DeleteCube", Stopwatch.GetTimestamp(), inner.DeleteCubeAsync(tenant, cubeId, audit, cancellationToken));

    public Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, PurgeCleanUp cleanUp, CancellationToken cancellationToken = default) =>
        Timed("DeleteCube", Stopwatch.GetTimestamp(), inner.DeleteCubeAsync(tenant, cubeId, audit, cleanUp, cancellationToken));

    public Task<bool> PurgeAsync(string tenant, MemoryId id, AuditRecord audit, CancellationToken cancellationToken = default) =>
        Timed("Purge", Stopwatch.GetTimestamp(), inner.PurgeAsync(tenant, id, audit, cancellationToken));

    public Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, IReadOnlyCollection<MemoryId>? unlessFrozen = null, CancellationToken cancellationToken = default) =>
        Timed("PurgeMany", Stopwatch.GetTimestamp(), inner.PurgeManyAsync(tenant, ids, audit, unlessFrozen, cancellationToken));

    public Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, IReadOnlyCollection<MemoryId>? unlessFrozen, PurgeCleanUp cleanUp, CancellationToken cancellationToken = default) =>
        Timed("PurgeMany", Stopwatch.GetTimestamp(), inner.PurgeManyAsync(tenant, ids, audit, unlessFrozen, cleanUp, cancellationToken));

    public Task<IReadOnlyList<MemoryId>> FindLinkSourcesAsync(string tenant, IReadOnlyCollection<MemoryId> targets, IReadOnlyCollection<string>? linkTypes, CancellationToken cancellationToken = default) =>
        Timed("FindLinkSources", Stopwatch.GetTimestamp(), inner.FindLinkSourcesAsync(tenant, targets, linkTypes, cancellationToken));

    public Task<IReadOnlyList<LexicalMatch>> SearchLexicalAsync(string tenant, LexicalQuery query, CancellationToken cancellationToken = default) =>
        Timed("SearchLexical", Stopwatch.GetTimestamp(), inner.SearchLexicalAsync(tenant, query, cancellationToken));

    public Task<StoreStats> GetStatsAsync(string tenant, string? cubeId, CancellationToken cancellationToken = default) =>
        Timed("GetStats", Stopwatch.GetTimestamp(), inner.GetStatsAsync(tenant, cubeId, cancellationToken));

    public Task<IReadOnlyList<RecallRecord>> RecordRecallsAsync(string tenant, IReadOnlyList<MemoryId> ids, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken = default) =>
        Timed("RecordRecalls", Stopwatch.GetTimestamp(), inner.RecordRecallsAsync(tenant, ids, at, audit, cancellationToken));

    public Task<long> GetChangeSequenceAsync(string tenant, string cubeId, CancellationToken cancellationToken = default) =>
        Timed("GetChangeSequence", Stopwatch.GetTimestamp(), inner.GetChangeSequenceAsync(tenant, cubeId, cancellationToken));

    public Task<IReadOnlyList<MemoryChangeRecord>> ReadChangesAsync(string tenant, string cubeId, long afterSequence, int limit, CancellationToken cancellationToken = default) =>
        Timed("ReadChanges", Stopwatch.GetTimestamp(), inner.ReadChangesAsync(tenant, cubeId, afterSequence, limit, cancellationToken));

    public Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<MemoryId>? ids, CancellationToken cancellationToken = default) =>
        Timed("GetEmbeddings", Stopwatch.GetTimestamp(), inner.GetEmbeddingsAsync(tenant, cubeId, embedder, ids, cancellationToken));

    public Task PutEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<StoredEmbedding> embeddings, CancellationToken cancellationToken = default) =>
        Timed("PutEmbeddings", Stopwatch.GetTimestamp(), inner.PutEmbeddingsAsync(tenant, cubeId, embedder, embeddings, cancellationToken));

    /// <inheritdoc/>
    public Task<long> CountAsync(string tenant, MemoryFilter filter, CancellationToken cancellationToken = default) =>
        Timed("Count", Stopwatch.GetTimestamp(), inner.CountAsync(tenant, filter, cancellationToken));

    /// <inheritdoc/>
    public Task<long> CountWithoutEmbeddingAsync(string tenant, string? cubeId, string embedder, IReadOnlyCollection<LifecycleState> states, CancellationToken cancellationToken = default) =>
        Timed("CountWithoutEmbedding", Stopwatch.GetTimestamp(), inner.CountWithoutEmbeddingAsync(tenant, cubeId, embedder, states, cancellationToken));

    public Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(string tenant, AuditQuery? query = null, CancellationToken cancellationToken = default) =>
        Timed("ReadAudit", Stopwatch.GetTimestamp(), inner.ReadAuditAsync(tenant, query, cancellationToken));

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private Task<T> Timed<T>(string operation, long start, Task<T> call) =>
        MemoryCoreTelemetry.StoreDuration.Enabled ? AwaitAndRecord(operation, start, call) : call;

    private Task Timed(string operation, long start, Task call) =>
        MemoryCoreTelemetry.StoreDuration.Enabled ? AwaitAndRecord(operation, start, call) : call;

    private async Task<T> AwaitAndRecord<T>(string operation, long start, Task<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        finally
        {
            Record(operation, start);
        }
    }

    private async Task AwaitAndRecord(string operation, long start, Task call)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        finally
        {
            Record(operation, start);
        }
    }

    private void Record(string operation, long start) =>
        MemoryCoreTelemetry.StoreDuration.Record(
            Stopwatch.GetElapsedTime(start).TotalSeconds,
            new KeyValuePair<string, object?>(MemoryCoreTelemetry.StoreOperationTag, operation),
            new KeyValuePair<string, object?>(MemoryCoreTelemetry.StoreKindTag, kind));
}
