using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Retrieval.Tests;

public sealed class Bm25RetrieverTests
{
    [Fact]
    public async Task Passes_analysed_terms_filter_and_k_to_the_store_and_keeps_its_order()
    {
        var store = new RecordingStore();
        var retriever = new Bm25Retriever(store);
        var filter = new MemoryFilter { CubeId = "c1", Session = "s2" };

        var hits = await retriever.SearchAsync(new SearchRequest("acme", "What did the dog eat?", filter, 7));

        var query = Assert.Single(store.Queries);
        Assert.Equal("acme", query.Tenant);
        Assert.Equal(["dog", "eat"], query.Query.Terms);
        Assert.Same(filter, query.Query.Filter);
        Assert.Equal(7, query.Query.Limit);
        Assert.Equal(["first", "second"], hits.Select(h => h.Item.Text));
        Assert.Equal(3.5, hits[0].Components["bm25"]);
        Assert.Equal("bm25", retriever.Name);
    }

    [Fact]
    public async Task A_query_with_no_terms_does_not_touch_the_store()
    {
        var store = new RecordingStore();
        Assert.Empty(await new Bm25Retriever(store).SearchAsync(new SearchRequest("acme", "?!", new MemoryFilter(), 5)));
        Assert.Empty(store.Queries);
    }

    private sealed class RecordingStore : IMemoryStore
    {
        public List<(string Tenant, LexicalQuery Query)> Queries { get; } = [];

        public Task<IReadOnlyList<LexicalMatch>> SearchLexicalAsync(string tenant, LexicalQuery query, CancellationToken cancellationToken = default)
        {
            Queries.Add((tenant, query));
            return Task.FromResult<IReadOnlyList<LexicalMatch>>([new(Item("first"), 3.5), new(Item("second"), 1.25)]);
        }

        private static MemoryItem Item(string text) => new()
        {
            Id = MemoryId.NewId(),
            CubeId = "c1",
            Scope = new Scope("acme"),
            Text = text,
            ContentHash = "h",
            Provenance = new Provenance(SourceKind.Conversation, null, null, DateTimeOffset.UnixEpoch),
            UpdatedAt = DateTimeOffset.UnixEpoch,
        };

        public Task CreateCubeAsync(MemCube cube, AuditRecord audit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<MemCube?> FindCubeAsync(string tenant, string idOrName, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<MemCube>> ListCubesAsync(string tenant, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<MemCube> UpdateCubeAsync(string tenant, string cubeId, Func<MemCube, MemCube> change, AuditRecord audit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<AddOutcome>> AddAsync(string tenant, IReadOnlyList<MemoryItem> items, AddOptions options, AuditRecord audit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<MemoryItem?> GetAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<MemoryItem>> GetManyAsync(string tenant, IReadOnlyList<MemoryId> ids, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task ReplaceManyAsync(string tenant, IReadOnlyList<MemoryReplacement> replacements, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, long afterVersion, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<MemoryItem>> ListAsync(string tenant, MemoryFilter filter, int limit, MemoryId? after = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> PurgeAsync(string tenant, MemoryId id, AuditRecord audit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, IReadOnlyCollection<MemoryId>? unlessFrozen = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<MemoryId>> FindLinkSourcesAsync(string tenant, IReadOnlyCollection<MemoryId> targets, IReadOnlyCollection<string>? linkTypes, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<long> GetChangeSequenceAsync(string tenant, string cubeId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<MemoryChangeRecord>> ReadChangesAsync(string tenant, string cubeId, long afterSequence, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<MemoryId>? ids, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task PutEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<StoredEmbedding> embeddings, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StoreStats> GetStatsAsync(string tenant, string? cubeId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(string tenant, AuditQuery? query = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RestoreCubeAsync(MemCube cube, IReadOnlyList<IReadOnlyList<MemoryItem>> histories, AuditRecord audit, MemoryCore.Export.ArchivedEmbeddings? embeddings = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
