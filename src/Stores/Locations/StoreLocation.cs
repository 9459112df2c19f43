namespace AgentMem.Stores.Locations;

/// <summary>
/// Where a store lives, as a user names it (<c>--db</c>, <c>AGENTMEM_DB</c>, a service option): a file path for the
/// embedded SQLite store, or a <c>postgresql://</c> URI. Hosts parse it once and open stores from it, so no host
/// needs to know which engine it runs on.
/// </summary>
public abstract record StoreLocation
{
    /// <summary>
    /// Parses a location: <c>postgresql://…</c> or <c>postgres://…</c> is PostgreSQL; anything else without a scheme is
    /// a SQLite file path. Throws <see cref="MemoryValidationException"/>, before anything is created, for an empty
    /// value, another URL scheme or a path naming a folder.
    /// </summary>
    public static StoreLocation Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new MemoryValidationException("The database needs a file path (e.g. ./agentmem.db) or a postgresql:// URI.");
        }

        if (PostgresLocation.IsPostgresUri(text))
        {
            return PostgresLocation.FromUri(text);
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            string scheme = text[..text.IndexOf("://", StringComparison.Ordinal)];
            throw new MemoryValidationException($"'{scheme}://' is not a database AgentMem can use: give a SQLite file path (e.g. ./agentmem.db) or a postgresql:// URI.");
        }

        if (Directory.Exists(text))
        {
            throw new MemoryValidationException($"The database path names a folder ('{text}'); give the path of a database file, e.g. {System.IO.Path.Combine(text, "agentmem.db")}.");
        }

        return new SqliteLocation(System.IO.Path.GetFullPath(text));
    }

    /// <summary>The location for messages and logs: never carries a password.</summary>
    public abstract string Display { get; }

    /// <summary>
    /// Where this process keeps the search indexes derived from the store when the host does not say: beside a SQLite
    /// file; in a per-database folder of the user's cache for a server database (each node's indexes are a cache,
    /// rebuilt from the store's change feed).
    /// </summary>
    public abstract string DefaultIndexDirectory { get; }

    /// <summary>
    /// The store's payload folder (<see cref="MemoryCore.MemoryOSOptions.PayloadFolder"/>): where the KV cartridges and LoRA
    /// adapters of its activation and parametric memories are written, and the only place a purge deletes them from. One
    /// per database, so two databases never share a file: beside a SQLite file; in a per-database folder of the user's data
    /// folder for a server database.
    /// </summary>
    public abstract string PayloadDirectory { get; }

    /// <summary>Opens (creating and migrating as needed) the store at this location.</summary>
    public IMemoryStore Open() => Open(schemaProgress: null);

    /// <summary>
    /// Opens (creating and migrating as needed) the store at this location, telling <paramref name="schemaProgress"/> when
    /// each pending schema step starts and commits.
    /// </summary>
    public abstract IMemoryStore Open(IProgress<SchemaStepProgress>? schemaProgress);
}
