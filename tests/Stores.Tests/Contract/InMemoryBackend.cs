using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.InMemory;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>A fresh <see cref="InMemoryDatabase"/> per test; every store opened is another instance over it.</summary>
internal sealed class InMemoryBackend : IStoreBackend
{
    private readonly InMemoryDatabase database = new();

    public string Name => "in-memory";

    public Task<IMemoryStore> OpenAsync() => Task.FromResult<IMemoryStore>(database.OpenStore());

    // The database goes with the last reference to it; its stores hold nothing to release.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
