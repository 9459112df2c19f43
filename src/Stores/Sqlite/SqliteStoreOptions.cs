namespace AgentMem.Stores.Sqlite;

/// <summary>Options of <see cref="SqliteMemoryStore"/>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Path of the database file; created if missing. Default <c>agentmem.db</c>.</summary>
    public string Path { get; set; } = "agentmem.db";

    /// <summary>
    /// Flush to disk on every commit (SQLite <c>synchronous=FULL</c>), so an acknowledged write survives
    /// power loss, not just a process crash. Default true; turn off only for throwaway benchmark databases.
    /// </summary>
    public bool DurableCommits { get; set; } = true;

    /// <summary>How long a write waits for another process's lock before failing (default 10 s; zero fails at once).</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Open read-only: no migrations, no writes.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>Told when each pending schema step starts and when it has committed, while the store opens (default none).</summary>
    public IProgress<SchemaStepProgress>? SchemaProgress { get; set; }

    /// <summary>
    /// A cap on the database's size in pages (SQLite <c>max_page_count</c>), set on every connection (the one that migrates
    /// at open too); a write that needs more fails as on a full disk (SQLITE_FULL). For tests of the disk-full path that
    /// cannot fill a real disk.
    /// </summary>
    internal long? MaxPageCount { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Path, nameof(Path));
        OptionsGuard.Between(BusyTimeout, TimeSpan.Zero, TimeSpan.FromHours(1));
    }
}
