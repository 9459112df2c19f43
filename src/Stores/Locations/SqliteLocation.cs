using AgentMem.Stores.Sqlite;

namespace AgentMem.Stores.Locations;

/// <summary>The embedded default: one SQLite file, its indexes in <c>FILE.index/</c> beside it.</summary>
/// <param name="Path">The database file's full path.</param>
public sealed record SqliteLocation(string Path) : StoreLocation
{
    /// <inheritdoc/>
    public override string Display => Path;

    /// <inheritdoc/>
    public override string DefaultIndexDirectory => Path + ".index";

    /// <inheritdoc/>
    public override string PayloadDirectory => Path + ".payloads";

    /// <summary>
    /// The database file and the files SQLite keeps beside it, under its name plus a suffix, while it is open: the
    /// write-ahead log (<c>-wal</c>), its shared-memory index (<c>-shm</c>) and the rollback journal (<c>-journal</c>).
    /// Together they are the database: what an erasure check reads, and what nothing else may write.
    /// </summary>
    public IReadOnlyList<string> Files => [Path, Path + "-wal", Path + "-shm", Path + "-journal"];

    /// <inheritdoc/>
    public override IMemoryStore Open(IProgress<SchemaStepProgress>? schemaProgress) =>
        SqliteMemoryStore.Open(new SqliteStoreOptions { Path = Path, SchemaProgress = schemaProgress });
}
