namespace AgentMem.Stores.Postgres;

/// <summary>Options of <see cref="PostgresMemoryStore"/>.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>
    /// Where the database is: a URI (<c>postgresql://user:password@host:port/database?sslmode=require</c>, also
    /// <c>postgres://</c>) or an Npgsql keyword string (<c>Host=...;Username=...;Database=...</c>). Required.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// Most connections the store's pool opens to the server (default 32). <c>Maximum Pool Size</c> in
    /// <see cref="ConnectionString"/> wins over it.
    /// </summary>
    public int MaxPoolSize { get; set; } = 32;

    /// <summary>
    /// How long one SQL command may run before it is cancelled (default 30 s). Schema steps applied while the store opens
    /// are not cut off (one may rewrite a whole table); cancel those with the token given to the open. <c>Command Timeout</c>
    /// in <see cref="ConnectionString"/> (seconds; 0 waits forever) wins over it.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long opening a connection may take (default 15 s). <c>Timeout</c> in <see cref="ConnectionString"/>
    /// (<c>connect_timeout</c> in a URI) wins over it.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How many times an operation that failed transiently (lost connection, serialization failure, deadlock) is tried
    /// again; 0 never retries (default 4). A retried write is never applied twice.
    /// </summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The wait before the first retry; each later one doubles (default 50 ms). Each wait is drawn at random between half of it and all of it, so nodes that failed together do not retry in step.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between two attempts (default 2 s).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The <c>application_name</c> the server shows for the store's connections (default <c>agentmem</c>).
    /// <c>Application Name</c> in <see cref="ConnectionString"/> (<c>application_name</c> in a URI) wins over it.
    /// </summary>
    public string ApplicationName { get; set; } = "agentmem";

    /// <summary>
    /// The vacuum run after every purge (one memory, one with what was derived from it, or a forgotten user) on the tables
    /// it touched (default <see cref="PostgresPurgeVacuum.Full"/>: no byte of the purged text stays in them). See
    /// <see cref="PostgresPurgeVacuum"/> for the cost.
    /// </summary>
    public PostgresPurgeVacuum PurgeVacuum { get; set; } = PostgresPurgeVacuum.Full;

    /// <summary>
    /// Told when each pending schema step starts and when it has committed, while the store opens (default none). Only the
    /// node that applies a step reports it; another opening the database at the same time waits for it silently.
    /// </summary>
    public IProgress<SchemaStepProgress>? SchemaProgress { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work, saying which and why.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("ConnectionString is required: a postgresql://user@host:port/database URI or an Npgsql keyword string.", nameof(ConnectionString));
        }

        // Parses the connection string, so a malformed one fails here with the reason rather than at first use.
        string keywords = PostgresConnectionString.ToKeywordForm(ConnectionString);

        // With Npgsql's automatic preparation on, the store's batched writes went wrong (duplicate-key failures, a
        // de-duplicated batch reported as new): 7 of the store's tests failed with Max Auto Prepare=64 (Npgsql 10.0.3).
        if (new NpgsqlConnectionStringBuilder(keywords).MaxAutoPrepare > 0)
        {
            throw new ArgumentException(
                "ConnectionString sets Max Auto Prepare: AgentMem's batched statements are not safe with Npgsql's automatic preparation; leave it at 0.",
                nameof(ConnectionString));
        }

        OptionsGuard.Between(MaxPoolSize, 1, 1000);
        OptionsGuard.Between(CommandTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        OptionsGuard.Between(ConnectTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        OptionsGuard.Between(MaxRetries, 0, 20);
        OptionsGuard.Between(RetryBaseDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        OptionsGuard.Between(RetryMaxDelay, RetryBaseDelay, TimeSpan.FromMinutes(5));
        OptionsGuard.Defined(PurgeVacuum);

        if (string.IsNullOrWhiteSpace(ApplicationName) || ApplicationName.Length > 63)
        {
            throw new ArgumentException("ApplicationName must be 1 to 63 characters (the server truncates longer names).", nameof(ApplicationName));
        }
    }
}
