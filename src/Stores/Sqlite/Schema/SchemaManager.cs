using System.Diagnostics;

namespace AgentMem.Stores.Sqlite.Schema;

/// <summary>Recognises AgentMem databases and brings them to the latest schema.</summary>
internal static class SchemaManager
{
    /// <summary>
    /// Checks the file is ours (or empty) and not from a newer version, then applies pending migrations,
    /// each in its own transaction, telling <paramref name="progress"/> when each starts and commits. Returns the schema
    /// version found before migrating (0 for a new file).
    /// </summary>
    public static int EnsureSchema(SqliteConnection connection, string path, bool readOnly, IProgress<SchemaStepProgress>? progress)
    {
        int applicationId;
        int version;
        long objects;
        try
        {
            // One statement, one snapshot: read apart, another process's first step could commit between the reads (an
            // application id of 0 beside a version of 1), and the file looked like someone else's.
            using var header = connection.CreateCommand();
            header.CommandText = "SELECT (SELECT application_id FROM pragma_application_id()), (SELECT user_version FROM pragma_user_version()), (SELECT COUNT(*) FROM sqlite_master);";
            using var row = header.ExecuteReader();
            row.Read();
            (applicationId, version, objects) = (row.GetInt32(0), row.GetInt32(1), row.GetInt64(2));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteErrors.NotADatabase)
        {
            throw new StoreFormatException($"'{path}' is not an AgentMem database (it is not a SQLite file at all, or its header is damaged).", ex);
        }
        catch (SqliteException ex) when (SqliteErrors.IsDamagedFile(ex))
        {
            throw new StoreFormatException($"'{path}' is not a usable database: its header or schema is damaged ({ex.Message}). Restore it from a backup or an export.", ex);
        }

        bool fresh = applicationId == 0 && version == 0 && objects == 0;
        if (!fresh && applicationId != Migrations.ApplicationId)
        {
            throw new StoreFormatException($"'{path}' is a SQLite database but not an AgentMem one (application_id {applicationId}). Point --db at an AgentMem file or a new path.");
        }

        if (version > Migrations.Latest)
        {
            throw new SchemaVersionException($"'{path}' has schema version {version}, written by a newer AgentMem; this build reads up to version {Migrations.Latest}. Upgrade AgentMem.");
        }

        if (version < Migrations.Latest)
        {
            if (readOnly)
            {
                throw new SchemaVersionException($"'{path}' has schema version {version} and needs migrating to {Migrations.Latest}; open it read-write once.");
            }

            try
            {
                Migrate(connection, path, version, progress);
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteErrors.Error or SqliteErrors.Constraint || SqliteErrors.IsDamagedFile(ex))
            {
                // The migrations are tested from every version; one failing on a file that says it is version N means
                // the file is not what its header claims (a damaged user_version, or tables changed outside AgentMem).
                // A step that changes no table (step 9's rewrite of rows that are right already) fails only on its own
                // schema_migrations row, which a file really at version N does not hold yet.
                throw new StoreFormatException($"'{path}' says it has schema version {version}, but migrating it to {Migrations.Latest} failed ({ex.Message}); the file is damaged or was changed outside AgentMem.", ex);
            }
        }

        return version;
    }

    private static void Migrate(SqliteConnection connection, string path, int from, IProgress<SchemaStepProgress>? progress)
    {
        // Step 10 keys the tags already stored as the store keys new ones; step 13 hashes their texts as the facade does.
        connection.CreateFunction("agentmem_tag_key", (string tag) => TagKey.Of(tag), isDeterministic: true);
        connection.CreateFunction("agentmem_content_hash", (long kind, string text, string? payload) => ContentHashUpgrade.Of(kind, text, payload), isDeterministic: true);
        int reached = from;
        foreach (var migration in Migrations.All)
        {
            if (migration.Version <= from)
            {
                continue;
            }

            try
            {
                reached = Apply(connection, path, from, migration, progress);
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteErrors.Full)
            {
                // The step's transaction was rolled back; those before it committed, each whole, so the file is a sound
                // database at the version reached, and the next open goes on from there.
                throw new StorageFullException($"The disk holding '{path}' filled while migrating it to schema version {Migrations.Latest}: step {migration.Version} ({migration.Name}) was not made, and the file is at schema version {reached}, whole and consistent (each step commits on its own). Free space and open it again: the migration goes on from version {reached}. ({ex.Message})", ex);
            }
        }
    }

    /// <summary>Applies one step in its own transaction (unless another process has since); returns the file's version after it.</summary>
    private static int Apply(SqliteConnection connection, string path, int from, Migration migration, IProgress<SchemaStepProgress>? progress)
    {
        progress?.Report(new SchemaStepProgress(path, from, migration.Version, Migrations.Latest, migration.Name, Elapsed: null));
        long started = Stopwatch.GetTimestamp();
        using var tx = connection.BeginTransaction();

        // Read again under the write lock: another process opening the file at the same time (a CLI and a server
        // started together) may have applied the step since the version was read, and the steps are not idempotent.
        int current = ScalarInt(connection, "PRAGMA user_version;", tx);
        if (current >= migration.Version)
        {
            tx.Rollback();
            progress?.Report(new SchemaStepProgress(path, from, migration.Version, Migrations.Latest, migration.Name, Stopwatch.GetElapsedTime(started)));
            return current;
        }

        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = migration.Sql;
            cmd.ExecuteNonQuery();
        }

        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
                INSERT INTO schema_migrations(version, name, applied_at) VALUES ($v, $n, $t);
                PRAGMA application_id = {Migrations.ApplicationId};
                PRAGMA user_version = {migration.Version};
                """);
            cmd.Parameters.AddWithValue("$v", migration.Version);
            cmd.Parameters.AddWithValue("$n", migration.Name);
            cmd.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            cmd.ExecuteNonQuery();
        }

        tx.Commit();
        progress?.Report(new SchemaStepProgress(path, from, migration.Version, Migrations.Latest, migration.Name, Stopwatch.GetElapsedTime(started)));
        return migration.Version;
    }
    private static int ScalarInt(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
