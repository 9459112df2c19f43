using AgentMem.MemoryCore;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Postgres;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Bench;

/// <summary>A memory system with BM25 search over a fresh SQLite file or a PostgreSQL database (shared by the store harnesses under bench/).</summary>
internal static class BenchMemory
{
    public static MemoryOS Sqlite(string path)
    {
        var store = SqliteMemoryStore.Open(path);
        return new MemoryOS(store, new Bm25Retriever(store));
    }

    public static async Task<MemoryOS> PostgresAsync(string uri)
    {
        var store = await PostgresMemoryStore.OpenAsync(new PostgresStoreOptions { ConnectionString = uri }).ConfigureAwait(false);
        return new MemoryOS(store, new Bm25Retriever(store));
    }
}
