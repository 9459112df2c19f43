using AgentMem.MemoryCore;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Agents.Tests;

/// <summary>A real SQLite-backed MemoryOS in a temporary folder, removed on dispose.</summary>
internal sealed class TempMemory : IAsyncDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-agents-" + Guid.NewGuid().ToString("N"));

    public TempMemory()
    {
        Directory.CreateDirectory(folder);
        var store = SqliteMemoryStore.Open(Path.Combine(folder, "a.db"));
        Memory = new MemoryOS(store, [new HybridRetriever(store), new Bm25Retriever(store), new HybridRetriever(store, HybridOptions.VectorOnly())]);
    }

    public MemoryOS Memory { get; }

    public async ValueTask DisposeAsync()
    {
        await Memory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
