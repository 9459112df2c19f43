using AgentMem.Stores.Sqlite;

namespace AgentMem.Retrieval.Tests.State;

/// <summary>A SQLite store in a fresh temporary folder, removed with everything beside it (the index folder too).</summary>
public abstract class TempStore : IAsyncLifetime
{
    private readonly TempFolder folder = new("state");

    protected string Folder => folder.Path;

    protected SqliteMemoryStore Store { get; private set; } = null!;

    /// <summary>Whether commits are fsynced (off where a test writes thousands of cubes).</summary>
    protected virtual bool Durable => true;

    public Task InitializeAsync()
    {
        Store = SqliteMemoryStore.Open(new SqliteStoreOptions { Path = folder.File("s.db"), DurableCommits = Durable });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        folder.Dispose();
    }
}
