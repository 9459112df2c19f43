using AgentMem.Common.Http;
using AgentMem.Common.Settings;
using AgentMem.Stores.Postgres.Schema;

namespace AgentMem.Stores.Postgres;

/// <summary>
/// The store for several nodes sharing one PostgreSQL database: the same tables and behaviour as
/// <see cref="Sqlite.SqliteMemoryStore"/>, with English full-text search over a generated <c>tsvector</c>, tenant isolation
/// enforced twice (every query names the tenant, and row-level security binds each transaction to it), a change feed
/// numbered in commit order per cube, an audit log the database keeps append-only, and retries that never apply a write
/// twice. Safe for concurrent use; connections come from one pool, released by <see cref="DisposeAsync"/>.
/// </summary>
/// <remarks>
/// Adding a memory whose id is already stored in the tenant (same cube and content) is taken as the same write made
/// again: the outcome is that id with <c>Created = false</c>, and nothing is written. The same id with other content is a
/// <see cref="MemoryStateException"/>. Memory ids are unique per tenant (SQLite: per file).
/// </remarks>
public sealed partial class PostgresMemoryStore : SqlMemoryStore
{
    private readonly NpgsqlDataSource dataSource;
    private readonly PostgresStoreOptions options;
    private bool disposed;

    private PostgresMemoryStore(NpgsqlDataSource dataSource, PostgresStoreOptions options, string location, int versionAtOpen, bool rowLevelSecurityEnforced)
        : base(PostgresDialect.Instance)
    {
        this.dataSource = dataSource;
        this.options = options;
        Location = location;
        SchemaVersionAtOpen = versionAtOpen;
        RowLevelSecurityEnforced = rowLevelSecurityEnforced;
    }

    /// <summary>The database as a URI with user, host, port and database but never the password: for logs and status pages.</summary>
    public string Location { get; }

    /// <summary>The schema version the database had when opened (0 for a database this call set up).</summary>
    public int SchemaVersionAtOpen { get; }

    /// <summary>The schema version this build writes.</summary>
    public static int LatestSchemaVersion => PostgresMigrations.Latest;

    /// <summary>
    /// False when the connecting role is a superuser or has BYPASSRLS: the database then does not enforce tenant isolation
    /// and only the store's own queries do. Hosts should warn; connect as an ordinary role (the owner is bound too).
    /// </summary>
    public bool RowLevelSecurityEnforced { get; }

    /// <summary>Opens the database at <paramref name="connectionString"/> (URI or keywords) with default options.</summary>
    public static Task<PostgresMemoryStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default) =>
        OpenAsync(new PostgresStoreOptions { ConnectionString = connectionString }, cancellationToken);

    /// <summary>
    /// Opens the database, creating and migrating the schema as needed (several nodes may do this at once). Throws
    /// <see cref="StoreFormatException"/> for a database holding tables of the same names that are not AgentMem's and
    /// <see cref="SchemaVersionException"/> for a schema newer than this build, and <see cref="StoreUnavailableException"/> when
    /// the server cannot be reached or refuses the connection (after the transient-failure retries).
    /// </summary>
    public static async Task<PostgresMemoryStore> OpenAsync(PostgresStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var resolved = SettingsCopy.Of(options);
        var connection = PostgresConnectionString.ForStore(resolved);
        string location = PostgresConnectionString.Display(connection.ConnectionString);
        var dataSource = new NpgsqlDataSourceBuilder(connection.ConnectionString).Build();
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                    await using var connScope = conn.ConfigureAwait(false);
                    int version = await PostgresSchemaManager.EnsureSchemaAsync(conn, location, resolved.SchemaProgress, cancellationToken).ConfigureAwait(false);
                    using var role = new NpgsqlCommand("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user;", conn);
                    bool bypasses = await role.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
                    return new PostgresMemoryStore(dataSource, resolved, location, version, rowLevelSecurityEnforced: !bypasses);
                }
                catch (Exception ex) when (attempt < resolved.MaxRetries && !cancellationToken.IsCancellationRequested && PostgresTransientErrors.IsTransient(ex))
                {
                    var delay = RetryTiming.Delay(attempt, resolved.RetryBaseDelay, resolved.RetryMaxDelay, jitter: Random.Shared);
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (NpgsqlException ex)
        {
            // Down, refusing, unknown database, bad credentials: one clear error naming where, never the password.
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw new StoreUnavailableException($"Cannot open the PostgreSQL database {location}: {ex.Message}", ex);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// <see cref="OpenAsync(PostgresStoreOptions, CancellationToken)"/> for synchronous callers such as a command line's
    /// startup; blocks the calling thread until the schema is ready.
    /// </summary>
    public static PostgresMemoryStore Open(PostgresStoreOptions options) =>
        Task.Run(() => OpenAsync(options, CancellationToken.None)).GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        if (!disposed)
        {
            disposed = true;
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks the batch's cubes exist and keeps them (a key-share lock, in id order, as a cube delete takes its lock first
    /// too), then locks their change counters (<see cref="LockChangeCountersAsync"/>). Unlocked, a cube deleted between the
    /// check and the insert failed the add with the foreign key's raw error (a 500) instead of "no cube".
    /// </summary>
    private protected override async Task PrepareAddAsync(DbConnection conn, DbTransaction? tx, string tenant, List<string> cubeIds, CancellationToken ct)
    {
        await RequireCubesAsync(conn, tx, tenant, cubeIds, ct, " FOR KEY SHARE").ConfigureAwait(false);
        await LockChangeCountersAsync((NpgsqlConnection)conn, (NpgsqlTransaction)tx!, tenant, cubeIds, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Locks the change counters of <paramref name="cubeIds"/>, in id order, for the rest of the transaction (the trigger
    /// would lock them one by one, in write order). Adds to one cube then run one at a time, so de-duplication and the
    /// live-item limit see every earlier add from any node, and two writes over the same cubes cannot deadlock.
    /// </summary>
    private static async Task LockChangeCountersAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string tenant, List<string> cubeIds, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, """
            INSERT INTO change_counters(tenant, cube_id, seq) SELECT @t, c, 0 FROM unnest(@c) c ON CONFLICT (tenant, cube_id) DO NOTHING;
            SELECT cube_id FROM change_counters WHERE tenant = @t AND cube_id = ANY(@c) ORDER BY cube_id FOR UPDATE;
            """);
        cmd.Parameters.AddWithValue("t", tenant);
        cmd.Parameters.AddWithValue("c", cubeIds.ToArray());
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether <paramref name="item"/>'s id is already stored in the tenant with the same cube and content: the same write
    /// made again (a caller's retry). The same id with anything else is a <see cref="MemoryStateException"/>.
    /// </summary>
    private protected override async Task<bool> IsRepeatedAddAsync(DbConnection conn, DbTransaction? tx, string tenant, MemoryItem item, CancellationToken ct)
    {
        using var findId = Command((NpgsqlConnection)conn, (NpgsqlTransaction)tx!, "SELECT cube_id, content_hash FROM memories WHERE tenant = @t AND id = @id;");
        findId.Parameters.AddWithValue("t", tenant);
        findId.Parameters.AddWithValue("id", item.Id.ToString());
        var r = await findId.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await using var rScope = r.ConfigureAwait(false);
        if (!await r.ReadAsync(ct).ConfigureAwait(false))
        {
            return false;
        }

        if (string.Equals(r.GetString(0), item.CubeId, StringComparison.Ordinal) && string.Equals(r.GetString(1), item.ContentHash, StringComparison.Ordinal))
        {
            return true;
        }

        throw new MemoryStateException($"Memory {item.Id} already exists in tenant '{tenant}' with other content or in another cube; a memory id is never reused.");
    }
}
