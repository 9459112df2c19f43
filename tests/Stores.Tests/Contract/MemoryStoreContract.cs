namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// What every <see cref="MemoryCore.Ports.IMemoryStore"/> must do, whatever holds its data: the tests run once per backend,
/// in a class deriving from this one that says how to get a backend (<see cref="SqliteStoreContract"/>,
/// <see cref="InMemoryStoreContract"/>). The behaviour asked for is the SQLite store's, which defined the port.
/// </summary>
/// <remarks>
/// Each test gets its backend inside its body (see <see cref="CreateBackendAsync"/>), so a backend that cannot run here
/// (a server database with no server) calls <c>Skip.If</c> there and every test reports as skipped, never as passed.
/// Each test writes under a tenant of its own, so backends may share one database across tests and runs. Migrations are
/// not covered here: they belong to each backend's own tests.
/// </remarks>
public abstract partial class MemoryStoreContract
{
    /// <summary>A backend for one test: a fresh database, or a shared one. May skip the test (<c>Skip.If</c>) if it cannot run.</summary>
    protected abstract Task<IStoreBackend> CreateBackendAsync();

    private async Task<StoreScenario> StartAsync()
    {
        var backend = await CreateBackendAsync();
        try
        {
            return new StoreScenario(backend, await backend.OpenAsync());
        }
        catch
        {
            await backend.DisposeAsync();
            throw;
        }
    }
}
