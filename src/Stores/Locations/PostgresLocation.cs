using System.Security.Cryptography;
using AgentMem.Stores.Postgres;

namespace AgentMem.Stores.Locations;

/// <summary>
/// A PostgreSQL database shared by every node that names it. Each node keeps the search indexes it derives from the
/// database in a local cache folder and catches up from the store's change feed.
/// </summary>
public sealed record PostgresLocation : StoreLocation
{
    private PostgresLocation(string connectionString, string display)
    {
        ConnectionString = connectionString;
        Display = display;
    }

    /// <summary>The connection string as the user gave it (URI or keywords); may hold a password, so never log it.</summary>
    public string ConnectionString { get; }

    /// <inheritdoc/>
    public override string Display { get; }

    /// <summary>Whether <paramref name="text"/> is a <c>postgresql://</c> or <c>postgres://</c> URI.</summary>
    public static bool IsPostgresUri(string text) => PostgresConnectionString.IsUri(text);

    /// <summary>Parses a URI; <see cref="MemoryValidationException"/> (never echoing a password) when it is malformed.</summary>
    public static PostgresLocation FromUri(string uri)
    {
        try
        {
            string keywords = PostgresConnectionString.ToKeywordForm(uri);
            return new PostgresLocation(uri, PostgresConnectionString.Display(keywords));
        }
        catch (ArgumentException ex)
        {
            throw new MemoryValidationException(ex.Message);
        }
    }

    /// <summary>
    /// <c>$XDG_CACHE_HOME/agentmem/indexes/HOST-PORT-DB-HASH</c> (or under <c>~/.cache</c>): per database, so nodes on one
    /// machine naming the same database share it as processes share a SQLite file's folder, and different databases never
    /// meet.
    /// </summary>
    public override string DefaultIndexDirectory => Path.Combine(UserFolder("XDG_CACHE_HOME", ".cache"), "agentmem", "indexes", FolderName);

    /// <summary>
    /// <c>$XDG_DATA_HOME/agentmem/payloads/HOST-PORT-DB-HASH</c> (or under <c>~/.local/share</c>): per database, as the
    /// index folder is, but among the user's data rather than a cache (a cartridge or adapter costs a model run to make).
    /// </summary>
    public override string PayloadDirectory => Path.Combine(UserFolder("XDG_DATA_HOME", Path.Combine(".local", "share")), "agentmem", "payloads", FolderName);

    // The database as a folder name: readable, and told apart by a hash of the whole location.
    private string FolderName
    {
        get
        {
            string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Display)))[..12];
            string readable = new([.. Display["postgresql://".Length..].Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]);
            return $"{readable.Trim('-')}-{hash}";
        }
    }

    private static string UserFolder(string variable, string underHome) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? home : Path.GetTempPath(), underHome);

    /// <summary>The name of the database this location names.</summary>
    public string Database => new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToKeywordForm(ConnectionString)).Database
        ?? throw new MemoryValidationException($"{Display} names no database.");

    /// <summary>Another database on the same server, with the same credentials and settings.</summary>
    public PostgresLocation WithDatabase(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        return FromUri(new UriBuilder(ConnectionString) { Path = "/" + Uri.EscapeDataString(database) }.Uri.AbsoluteUri);
    }

    /// <summary>
    /// Creates the (empty) database this location names, through the server's <c>postgres</c> maintenance database: for
    /// benchmarks and tests that need a database of their own (the role needs <c>CREATEDB</c>).
    /// </summary>
    public Task CreateDatabaseAsync(CancellationToken cancellationToken = default) =>
        MaintainAsync($"CREATE DATABASE {QuoteIdentifier(Database)}", cancellationToken);

    /// <summary>Drops the database this location names, closing other sessions on it; nothing happens if it does not exist.</summary>
    public async Task DropDatabaseAsync(CancellationToken cancellationToken = default)
    {
        NpgsqlConnection.ClearAllPools(); // this process's idle connections to it would otherwise keep it open
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await MaintainAsync($"DROP DATABASE IF EXISTS {QuoteIdentifier(Database)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (StoreUnavailableException ex) when (attempt < DropAttempts && ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege })
            {
                // FORCE may not end an autovacuum worker that has just started on a new database (PostgreSQL 15 refuses
                // the whole drop as "must be a member of the role whose process is being terminated"); it is gone in moments.
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private const int DropAttempts = 6;

    private async Task MaintainAsync(string sql, CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToKeywordForm(ConnectionString)) { Database = "postgres", Pooling = false };
        try
        {
            var connection = new NpgsqlConnection(admin.ConnectionString);
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException ex)
        {
            throw new StoreUnavailableException($"PostgreSQL at {Display} refused '{sql}': {ex.Message}", ex);
        }
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <inheritdoc/>
    public override IMemoryStore Open(IProgress<SchemaStepProgress>? schemaProgress) =>
        PostgresMemoryStore.Open(new PostgresStoreOptions { ConnectionString = ConnectionString, SchemaProgress = schemaProgress });
}
