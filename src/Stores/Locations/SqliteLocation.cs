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
    public override IMemoryStore Open(IProgress<SchemaStepProgress>? schemaProgress) =>
        SqliteMemoryStore.Open(new SqliteStoreOptions { Path = Path, SchemaProgress = schemaProgress });
}
