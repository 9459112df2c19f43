namespace AgentMem.Stores.Tests.Contract;

/// <summary>The store contract on <see cref="InMemory.InMemoryMemoryStore"/>, each test over a database of its own.</summary>
public sealed class InMemoryStoreContract : MemoryStoreContract
{
    protected override Task<IStoreBackend> CreateBackendAsync() => Task.FromResult<IStoreBackend>(new InMemoryBackend());
}
