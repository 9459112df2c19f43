using AgentMem.Cli.Output;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Cli;

/// <summary>What every verb needs: the global options resolved, and the composition of the embedded default.</summary>
internal sealed record CliContext(string DbPath, Scope Scope, string Cube, CliOutput Output)
{
    /// <summary>Opens the store at <see cref="DbPath"/> and composes the facade (SQLite + BM25).</summary>
    public MemoryOS OpenMemory()
    {
        var store = SqliteMemoryStore.Open(DbPath);
        return new MemoryOS(store, new Bm25Retriever(store));
    }
}
