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

    /// <summary>
    /// Runs <paramref name="measure"/> (given the backend's name and a memory system it owns) on a fresh SQLite file,
    /// deleted afterwards, and then, when <paramref name="postgres"/> names a server, on PostgreSQL.
    /// </summary>
    public static async Task OnEachBackendAsync(string? postgres, Func<string, MemoryOS, Task> measure)
    {
        string folder = Directory.CreateTempSubdirectory("agentmem-bench-").FullName;
        try
        {
            await measure("sqlite", Sqlite(Path.Combine(folder, "bench.db"))).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        if (postgres is { } uri)
        {
            await measure("postgres", await PostgresAsync(uri).ConfigureAwait(false)).ConfigureAwait(false);
        }
    }
}
