using AgentMem.Cli.Output;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval;
using AgentMem.Retrieval.State;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Cli;

/// <summary>What every verb needs: the global options resolved, and the composition of the embedded default.</summary>
internal sealed record CliContext(string DbPath, Scope Scope, string Cube, CliOutput Output)
{
    /// <summary>The embedder the hybrid and vector retrievers use.</summary>
    public EmbedderSpec Embedder { get; init; } = EmbedderSpec.Default;

    /// <summary>Byte budget of the per-cube search indexes, in MiB.</summary>
    public int CacheMb { get; init; } = (int)(RetrievalStateOptions.DefaultCacheBytes >> 20);

    /// <summary>The index folder beside the database: <c>agentmem.db</c> keeps <c>agentmem.db.index/</c>.</summary>
    public static string IndexDirectoryOf(string dbPath) => Path.GetFullPath(dbPath) + ".index";

    /// <summary>
    /// Opens the store at <see cref="DbPath"/> and composes the embedded default: SQLite, with the hybrid
    /// retriever (default), plain BM25 (<c>bm25</c>) and embedding similarity alone (<c>vector</c>).
    /// </summary>
    public MemoryOS OpenMemory() => Compose(SqliteMemoryStore.Open(DbPath));

    /// <summary>The composition over an opened store, with the configured embedder (and hybrid settings, the defaults when null).</summary>
    public MemoryOS Compose(SqliteMemoryStore store, Retrieval.Hybrid.HybridOptions? hybrid = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var state = new RetrievalStateOptions { IndexDirectory = IndexDirectoryOf(store.Path), CacheBytes = (long)CacheMb << 20 };
        return new(store, DefaultRetrievers.Create(store, Embedder.Create(), hybrid, state));
    }
}
