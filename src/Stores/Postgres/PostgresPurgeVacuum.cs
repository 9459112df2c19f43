namespace AgentMem.Stores.Postgres;

/// <summary>
/// What <see cref="PostgresMemoryStore"/> runs after a purge's transaction on the tables it touched. PostgreSQL keeps a
/// deleted or rewritten row's old version in the table file until a vacuum; a plain vacuum makes the space reusable but
/// leaves the old bytes in the page's free space, and a full-text (GIN) index keeps a purged word as a key. Measured on
/// PostgreSQL 15: after a plain vacuum a forgotten token was still in the files of <c>memories</c>,
/// <c>memory_versions</c> and <c>ix_memories_search</c>; after <c>VACUUM (FULL)</c> it was in none of them.
/// </summary>
public enum PostgresPurgeVacuum
{
    /// <summary>
    /// <c>VACUUM (FULL)</c>: the tables and their indexes are rewritten into new files, so no byte of a purged memory stays
    /// in them (the default: erasure must be complete). It holds an exclusive lock on each table while it rewrites it, so
    /// on a large shared database every purge pauses other writers and readers of those tables for that long.
    /// </summary>
    Full,

    /// <summary>
    /// Plain <c>VACUUM</c>: cheap and lock-friendly, it frees the rows' space for reuse, but their bytes may stay in the
    /// files until the pages are rewritten (schedule a <c>VACUUM (FULL)</c> or a repack to finish an erasure).
    /// </summary>
    Plain,
}
