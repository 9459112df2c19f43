namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// The store contract on <see cref="Postgres.PostgresMemoryStore"/>, against the server of <c>AGENTMEM_TEST_POSTGRES</c>
/// (skipped with the reason without one; failed when <c>AGENTMEM_REQUIRE_POSTGRES=1</c>, as in CI).
/// </summary>
public sealed class PostgresStoreContract : MemoryStoreContract
{
    protected override Task<IStoreBackend> CreateBackendAsync() => Task.FromResult<IStoreBackend>(new PostgresBackend(PostgresServer.UriOrSkip()));
}
