using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.Postgres;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// The shared test database on the server named by <c>AGENTMEM_TEST_POSTGRES</c>; every store opened is another pool over
/// it, as another node would open it. Tests keep apart by tenant, so nothing is created or removed here.
/// </summary>
internal sealed class PostgresBackend(string uri) : IStoreBackend
{
    private readonly List<IMemoryStore> opened = [];

    public string Name => "postgres";

    public async Task<IMemoryStore> OpenAsync()
    {
        var store = await PostgresMemoryStore.OpenAsync(new PostgresStoreOptions { ConnectionString = uri });
        lock (opened)
        {
            opened.Add(store);
        }

        return store;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in opened)
        {
            await store.DisposeAsync();
        }
    }
}
