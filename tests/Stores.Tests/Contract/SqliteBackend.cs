using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>A fresh SQLite file in a temporary folder per test; every store opened is another instance over that file.</summary>
internal sealed class SqliteBackend : IStoreBackend
{
    private readonly TempFolder folder = new("contract");
    private readonly List<IMemoryStore> opened = [];

    public string Name => "sqlite";

    public Task<IMemoryStore> OpenAsync()
    {
        var store = SqliteMemoryStore.Open(folder.File("memory.db"));
        lock (opened)
        {
            opened.Add(store);
        }

        return Task.FromResult<IMemoryStore>(store);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in opened)
        {
            await store.DisposeAsync();
        }

        folder.Dispose();
    }
}
