namespace AgentMem.Stores.Sqlite;

/// <summary>
/// The SQLite result codes the store turns into typed errors, and the one question every catch asks: does this failure
/// mean the file is not a usable database (damaged, truncated, or not SQLite at all)?
/// </summary>
internal static class SqliteErrors
{
    /// <summary>SQLITE_ERROR: generic; also what SQLite answers for a header whose schema format it does not know.</summary>
    public const int Error = 1;

    /// <summary>SQLITE_READONLY: a write (or, in WAL mode, setting up the shared-memory file to read) was refused as read-only.</summary>
    public const int ReadOnly = 8;

    /// <summary>SQLITE_CORRUPT: a page or the schema does not parse.</summary>
    public const int Corrupt = 11;

    /// <summary>SQLITE_FULL: the disk (or <c>max_page_count</c>) is full; the transaction was rolled back.</summary>
    public const int Full = 13;

    /// <summary>SQLITE_CANTOPEN: the file, or one SQLite keeps beside it (<c>-wal</c>, <c>-shm</c>), could not be opened or created.</summary>
    public const int CantOpen = 14;

    /// <summary>SQLITE_CONSTRAINT: a row broke a key or check (in a migration: the step's own row was there already).</summary>
    public const int Constraint = 19;

    /// <summary>SQLITE_NOTADB: the header is not a SQLite header.</summary>
    public const int NotADatabase = 26;

    /// <summary>
    /// True for SQLITE_CORRUPT, SQLITE_NOTADB and the SQLITE_ERROR answers that can only come from the file's own bytes:
    /// "unsupported file format" (a schema format number in the header beyond what SQLite reads) and "malformed database
    /// schema". SQLite gives these no code of their own, so the message is the only way to tell them from a bad statement.
    /// "No such column" and "no such table" count too: the store's statements are fixed and tested against the schema its
    /// migrations write, so they mean the schema text in the file changed under it (a flipped bit in a column's name).
    /// </summary>
    public static bool IsDamagedFile(SqliteException ex) =>
        ex.SqliteErrorCode is Corrupt or NotADatabase
        || (ex.SqliteErrorCode == Error
            && (ex.Message.Contains("unsupported file format", StringComparison.OrdinalIgnoreCase)
                || ex.Message.Contains("malformed database schema", StringComparison.OrdinalIgnoreCase)
                || ex.Message.Contains("no such column", StringComparison.OrdinalIgnoreCase)
                || ex.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase)));
}
