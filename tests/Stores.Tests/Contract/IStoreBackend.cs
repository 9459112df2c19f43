using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// One database of some kind that <see cref="MemoryStoreContract"/> runs against, and the stores opened over it. A backend
/// may give each test a database of its own or share one (tests write under a tenant of their own, so they never meet).
/// Disposing the backend disposes every store it opened and removes what it created.
/// </summary>
public interface IStoreBackend : IAsyncDisposable
{
    /// <summary>A short name for skip reasons and messages, e.g. <c>sqlite</c>.</summary>
    string Name { get; }

    /// <summary>Opens another store over the same database: every call a new instance, as a second process would open it.</summary>
    Task<IMemoryStore> OpenAsync();
}
