using AgentMem.MemoryCore;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Agents.Tests;

/// <summary>A real SQLite-backed MemoryOS in a temporary folder, removed on dispose.</summary>
internal sealed class TempMemory : IAsyncDisposable
{
    private readonly TempFolder folder = new("agents");

    public TempMemory(MemoryOSOptions? options = null)
    {
        var store = SqliteMemoryStore.Open(folder.File("a.db"));
        Memory = new MemoryOS(store, [new HybridRetriever(store), new Bm25Retriever(store), new HybridRetriever(store, HybridOptions.VectorOnly())], options);
    }

    public MemoryOS Memory { get; }

    public async ValueTask DisposeAsync()
    {
        await Memory.DisposeAsync();
        folder.Dispose();
    }
}
