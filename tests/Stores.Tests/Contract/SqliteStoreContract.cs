namespace AgentMem.Stores.Tests.Contract;

/// <summary>The store contract on <see cref="Sqlite.SqliteMemoryStore"/>, each test over a file of its own.</summary>
public sealed class SqliteStoreContract : MemoryStoreContract
{
    protected override Task<IStoreBackend> CreateBackendAsync() => Task.FromResult<IStoreBackend>(new SqliteBackend());
}
