using AgentMem.MemoryCore;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.InMemory;

namespace AgentMem.Stores.Tests;

/// <summary>
/// A <see cref="MemoryOS"/> over an <see cref="InMemoryMemoryStore"/> with BM25 search: for facade tests that need no
/// file, no SQLite and nothing to clean up (the store goes with the facade).
/// </summary>
internal static class InMemoryMemory
{
    public static MemoryOS Open(MemoryOSOptions? options = null, TimeProvider? time = null)
    {
        var store = new InMemoryMemoryStore();
        return new MemoryOS(store, new Bm25Retriever(store), options, time);
    }
}
