using AgentMem.Common.Settings;
using AgentMem.Stores.Sqlite.Schema;

namespace AgentMem.Stores.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with an FTS5 index kept in sync by triggers,
/// a version history table, an append-only audit log and forward-only migrations. Every query is
/// bounded to one tenant; every multi-row write is one transaction. Safe for concurrent use within a
/// process (writes are serialised) and across processes (SQLite locking with a busy timeout).
/// </summary>
public sealed partial class SqliteMemoryStore : SqlMemoryStore
{
    private readonly string connectionString;
    private readonly SqliteStoreOptions options;
    // Never disposed: a writer may still wait on it or release it while the store closes (a disposed gate threw at the
    // release of a committed write and left its waiters waiting for ever). It holds no handle unless one is asked for.
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly Lock lifetime = new();
    private volatile bool disposed;

    /// <summary>Writes begun and not finished (a purge's clean-up after its commit included): disposal waits for them.</summary>
    private int running;

    /// <summary>Completed by the last of <see cref="running"/> to finish once disposal has begun.</summary>
    private TaskCompletionSource? drained;

    private SqliteMemoryStore(SqliteStoreOptions options, string connectionString, int versionAtOpen)
        : base(SqliteDialect.Instance)
    {
        this.options = options;
        this.connectionString = connectionString;
        SchemaVersionAtOpen = versionAtOpen;
    }

    /// <summary>The full path of the database file.</summary>
    public string Path => options.Path;

    /// <summary>The connection string of the store's pool, for tests of what a pooled connection carries from one use to the next.</summary>
    internal string ConnectionString => connectionString;

    /// <summary>The schema version the file had when opened (0 for a file this call created).</summary>
    public int SchemaVersionAtOpen { get; }

    /// <summary>The schema version this build writes.</summary>
    public static int LatestSchemaVersion => Migrations.Latest;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> with default options.</summary>
    public static SqliteMemoryStore Open(string path) => Open(new SqliteStoreOptions { Path = path });

    /// <summary>
    /// Opens the database, creating and migrating it as needed. Throws <see cref="StoreFormatException"/>
    /// for a file that is not an AgentMem database, <see cref="SchemaVersionException"/> for a newer schema, and
    /// <see cref="StorageFullException"/> when the disk fills while migrating: the file is then left at the last step that
    /// committed (each commits whole on its own), named in the message, and the next open goes on from there. Throws
    /// <see cref="StoreUnavailableException"/> when the file's folder cannot be written (a read-only file system): SQLite
    /// creates <c>FILE-shm</c> beside a database in WAL mode even to read it.
    /// </summary>
    public static SqliteMemoryStore Open(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var resolved = SettingsCopy.Of(options);
        resolved.Path = System.IO.Path.GetFullPath(options.Path);
        if (!resolved.ReadOnly && System.IO.Path.GetDirectoryName(resolved.Path) is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
        }
        else if (resolved.ReadOnly && !File.Exists(resolved.Path))
        {
            throw new StoreFormatException($"'{resolved.Path}' does not exist (opened read-only, so it was not created).");
        }

        string cs = new SqliteConnectionStringBuilder
        {
            DataSource = resolved.Path,
            Mode = resolved.ReadOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = RetrySeconds(resolved.BusyTimeout),
        }.ToString();

        try
        {
            using var connection = new SqliteConnection(cs);
            connection.Open();
            Execute(connection, BusyTimeoutPragma(resolved));
            if (resolved.MaxPageCount is { } pages)
            {
                Execute(connection, MaxPageCountPragma(pages));
            }

            int version = SchemaManager.EnsureSchema(connection, resolved.Path, resolved.ReadOnly, resolved.SchemaProgress);
            if (!resolved.ReadOnly)
            {
                Execute(connection, "PRAGMA journal_mode = WAL;");
            }

            return new SqliteMemoryStore(resolved, cs, version);
        }
        catch (SqliteException ex) when (SqliteErrors.IsDamagedFile(ex))
        {
            SqliteConnection.ClearAllPools();
            throw new StoreFormatException($"'{resolved.Path}' is not an AgentMem database or is damaged: {ex.Message}", ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteErrors.CantOpen or SqliteErrors.ReadOnly
            && System.IO.Path.GetDirectoryName(resolved.Path) is { Length: > 0 } folder && WritableFolder.Refusal(folder) is { } refusal)
        {
            // SQLite says only "unable to open database file" (a read-only mount) or "attempt to write a readonly database"
            // (a folder without write permission), naming neither the folder nor what to do.
            SqliteConnection.ClearAllPools();
            throw new StoreUnavailableException(
                $"'{resolved.Path}' cannot be opened: its folder '{folder}' is read-only ({refusal}), and SQLite must create "
                + $"'{System.IO.Path.GetFileName(resolved.Path)}-shm' beside a database in WAL mode even to read it. Copy the database, with its "
                + $"-wal file if there is one, to a writable folder and open the copy, or make the folder writable. (SQLite: {ex.Message})", ex);
        }
        catch
        {
            SqliteConnection.ClearAllPools();
            throw;
        }
    }

    /// <summary>
    /// Microsoft.Data.Sqlite's own retry of a busy statement (every 150 ms until its command timeout in whole seconds has
    /// passed, 0 meaning forever), which follows SQLite's wait (<c>busy_timeout</c>, <see cref="BusyTimeoutPragma"/>) and
    /// counts it: the whole seconds of the busy timeout, rounded down, so that SQLite's wait has used them up when the first
    /// busy answer comes (rounded up, 1.5 s waited 3 s); below a second, none (a negative timeout gives up at the first busy
    /// answer), so 0 fails at once and 300 ms after 300 ms (0 seconds waited forever, 300 ms rounded up waited a second).
    /// </summary>
    private static int RetrySeconds(TimeSpan busyTimeout) =>
        busyTimeout < TimeSpan.FromSeconds(1) ? -1 : (int)busyTimeout.TotalSeconds;

    private static string BusyTimeoutPragma(SqliteStoreOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds};");

    private static string MaxPageCountPragma(long pages) =>
        string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count = {pages};");

    /// <inheritdoc/>
    /// <remarks>
    /// Waits for the write in flight, which completes as it would have (a purge with its clean-up); writes still waiting
    /// for their turn, and any begun later, fail with <see cref="ObjectDisposedException"/> having written nothing.
    /// </remarks>
    public override async ValueTask DisposeAsync()
    {
        Task? pending;
        lock (lifetime)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            pending = running == 0 ? null : (drained = new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        if (pending is not null)
        {
            await pending.ConfigureAwait(false);
        }

        // Pooled connections keep the file open; release them so the file can be moved or deleted.
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Counts a write in <see cref="running"/>; refused once disposal has begun.</summary>
    private void BeginWrite()
    {
        lock (lifetime)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            running++;
        }
    }

    private void EndWrite()
    {
        lock (lifetime)
        {
            if (--running == 0)
            {
                drained?.TrySetResult();
            }
        }
    }

    /// <summary>A purge's write and its clean-up after the commit as one write that disposal waits for.</summary>
    private protected override async Task<T> AsOneWriteAsync<T>(Func<Task<T>> write)
    {
        BeginWrite();
        try
        {
            return await write().ConfigureAwait(false);
        }
        finally
        {
            EndWrite();
        }
    }
}
