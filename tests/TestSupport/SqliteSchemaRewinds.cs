namespace AgentMem.TestSupport;

/// <summary>
/// SQL that takes a SQLite AgentMem file back over one schema step, as a file written by an earlier release would be; the
/// rewinds compose (newest step first), and each drops its step's row in <c>schema_migrations</c>.
/// </summary>
public static class SqliteSchemaRewinds
{
    /// <summary>
    /// Undoes step 13 on a file: its record only, since the step rewrites a hash only where it differs from the one the
    /// store computes now (a test that wants the hashes an earlier release stored writes them itself).
    /// </summary>
    public const string WithoutCanonicalContentHashes = """
        DELETE FROM schema_migrations WHERE version = 13;
        """;

    /// <summary>Undoes step 12 on a file (event starts lose their offsets and read back in UTC), for a test that takes the file back to an earlier version.</summary>
    public const string WithoutValidFromOffsets = """
        ALTER TABLE memories DROP COLUMN valid_from_offset;
        DELETE FROM schema_migrations WHERE version = 12;
        """;

    /// <summary>Undoes step 11 on a file (its change feed appends an entry per write again), for a test that takes the file back to an earlier version.</summary>
    public const string WithoutFeedCompaction = """
        DROP INDEX ix_changes_memory;
        DROP TRIGGER memory_changes_update;
        CREATE TRIGGER memory_changes_update AFTER UPDATE ON memories BEGIN
            INSERT INTO memory_changes(tenant, cube_id, memory_id, op) VALUES (new.tenant, new.cube_id, new.id, 0);
        END;
        DROP TRIGGER memory_changes_delete;
        CREATE TRIGGER memory_changes_delete AFTER DELETE ON memories BEGIN
            INSERT INTO memory_changes(tenant, cube_id, memory_id, op) VALUES (old.tenant, old.cube_id, old.id, 1);
        END;
        DELETE FROM schema_migrations WHERE version = 11;
        """;

    /// <summary>Undoes step 10 on a file (its tags lose their keys), for a test that takes the file back to an earlier version.</summary>
    public const string WithoutTagKeys = """
        DROP INDEX ix_tags_key;
        ALTER TABLE memory_tags DROP COLUMN tag_key;
        CREATE INDEX ix_tags_tag ON memory_tags(tenant, tag);
        DELETE FROM schema_migrations WHERE version = 10;
        """;
}
