namespace AgentMem.StoreChoice.Bench;

/// <summary>The engines compared, by the name used on the command line and in the table.</summary>
internal static class EngineKind
{
    /// <summary>Our SqliteMemoryStore as shipped: WAL, synchronous=FULL (an fsync per commit).</summary>
    public const string SqliteStore = "sqlite-store";

    /// <summary>Our SqliteMemoryStore with DurableCommits=false: WAL, synchronous=NORMAL (survives a process crash, not power loss).</summary>
    public const string SqliteStoreNoSync = "sqlite-store-nosync";

    /// <summary>The same schema and write set on one open connection, no store layer: SQLite's own cost.</summary>
    public const string SqliteRaw = "sqlite-raw";

    /// <summary>The LiteDB prototype with LiteDB's defaults: direct connection, log file, no fsync on commit (5.0.21).</summary>
    public const string LiteDb = "litedb";

    /// <summary>The LiteDB prototype in LiteDB's multi-process mode (Connection=shared: a named mutex, file reopened per operation).</summary>
    public const string LiteDbShared = "litedb-shared";

    /// <summary>The LiteDB prototype answering searches by reading and ranking every memory of the cube (search only).</summary>
    public const string LiteDbScan = "litedb-scan";

    public static readonly string[] All = [SqliteStore, SqliteStoreNoSync, SqliteRaw, LiteDb, LiteDbShared, LiteDbScan];

    /// <summary>Opens (creating if needed) the engine's file at <paramref name="path"/>.</summary>
    public static IEngineUnderTest Open(string kind, string path) => kind switch
    {
        SqliteStore => new SqliteStoreEngine(path, durable: true),
        SqliteStoreNoSync => new SqliteStoreEngine(path, durable: false),
        SqliteRaw => new SqliteRawEngine(path),
        LiteDb => new LiteDbEngine(path, shared: false, LiteDbSearchMode.Postings),
        LiteDbShared => new LiteDbEngine(path, shared: true, LiteDbSearchMode.Postings),
        LiteDbScan => new LiteDbEngine(path, shared: false, LiteDbSearchMode.Scan),
        _ => throw new ArgumentException($"Unknown engine '{kind}'; one of {string.Join(", ", All)}.", nameof(kind)),
    };

    /// <summary>Every file the engine keeps for one database (the main file and its log).</summary>
    public static IEnumerable<string> FilesOf(string path) =>
        new[] { path, path + "-wal", path + "-shm", Path.ChangeExtension(path, null) + "-log" + Path.GetExtension(path) }.Where(File.Exists);

    public static long SizeOf(string path) => FilesOf(path).Sum(f => new FileInfo(f).Length);
}
