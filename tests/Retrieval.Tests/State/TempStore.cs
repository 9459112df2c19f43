using AgentMem.Stores.Sqlite;

namespace AgentMem.Retrieval.Tests.State;

/// <summary>A SQLite store in a fresh temporary folder, removed with everything beside it (the index folder too).</summary>
public abstract class TempStore : IAsyncLifetime
{
    protected string Folder { get; } = Path.Combine(Path.GetTempPath(), "agentmem-state-" + Guid.NewGuid().ToString("N"));

    protected SqliteMemoryStore Store { get; private set; } = null!;

    /// <summary>Whether commits are fsynced (off where a test writes thousands of cubes).</summary>
    protected virtual bool Durable => true;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        Store = SqliteMemoryStore.Open(new SqliteStoreOptions { Path = Path.Combine(Folder, "s.db"), DurableCommits = Durable });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }
}
