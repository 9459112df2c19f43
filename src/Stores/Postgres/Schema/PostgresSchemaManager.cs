using System.Diagnostics;

namespace AgentMem.Stores.Postgres.Schema;

/// <summary>
/// Recognises AgentMem databases and brings them to the latest schema. Several nodes may open one database at once:
/// each step runs in its own transaction under a transaction-scoped advisory lock and re-reads the version first, so
/// exactly one node applies it and the others find it done.
/// </summary>
internal static class PostgresSchemaManager
{
    private static readonly string[] MigrationColumns = ["applied_at", "name", "version"];

    // Npgsql's "no limit".
    private const int Unbounded = 0;

    /// <summary>
    /// Checks the database is ours (or has none of our tables) and not from a newer version, then applies pending steps,
    /// telling <paramref name="progress"/> when each starts and commits. Returns the schema version found before migrating
    /// (0 for a new database).
    /// </summary>
    /// <remarks>
    /// The lock and the steps run without the store's command timeout: a step may rewrite a whole table (step 5: 1.7 s per
    /// 50,000 memories, so the default 30 s would cut it off near 850,000 and every later open would try again and fail),
    /// and a node opening meanwhile waits on the lock for as long as the step takes. The token still cancels both.
    /// </remarks>
    public static async Task<int> EnsureSchemaAsync(NpgsqlConnection connection, string location, IProgress<SchemaStepProgress>? progress, CancellationToken cancellationToken)
    {
        RequireSupportedServer(connection.PostgreSqlVersion, location);
        int? versionAtOpen = null;
        while (true)
        {
            var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var txScope = tx.ConfigureAwait(false);
            using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k);", connection, tx) { CommandTimeout = Unbounded })
            {
                lockCmd.Parameters.AddWithValue("k", PostgresMigrations.AdvisoryLockKey);
                await lockCmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            int version = await ReadVersionAsync(connection, tx, location, cancellationToken).ConfigureAwait(false);
            versionAtOpen ??= version;
            if (version > PostgresMigrations.Latest)
            {
                throw new SchemaVersionException(
                    $"The database {location} has schema version {version}, written by a newer AgentMem; this build reads up to version {PostgresMigrations.Latest}. Upgrade AgentMem.");
            }

            if (version == PostgresMigrations.Latest)
            {
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return versionAtOpen.Value;
            }

            Migration step = PostgresMigrations.All.First(m => m.Version == version + 1);
            progress?.Report(new SchemaStepProgress(location, versionAtOpen.Value, step.Version, PostgresMigrations.Latest, step.Name, Elapsed: null));
            long started = Stopwatch.GetTimestamp();
            using (var apply = new NpgsqlCommand(step.Sql, connection, tx) { CommandTimeout = Unbounded })
            {
                await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (step.Rewrite is { } rewrite)
            {
                await rewrite(connection, tx, cancellationToken).ConfigureAwait(false);
            }

            using (var record = new NpgsqlCommand("INSERT INTO schema_migrations(version, name, applied_at) VALUES (@v, @n, now());", connection, tx))
            {
                record.Parameters.AddWithValue("v", step.Version);
                record.Parameters.AddWithValue("n", step.Name);
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(new SchemaStepProgress(location, versionAtOpen.Value, step.Version, PostgresMigrations.Latest, step.Name, Stopwatch.GetElapsedTime(started)));
        }
    }

    /// <summary>The oldest server the schema runs on: migration 5's word count calls <c>regexp_count</c>, new in PostgreSQL 15.</summary>
    public static readonly Version OldestServer = new(15, 0);

    /// <summary>Refuses a server older than <see cref="OldestServer"/> before any step runs, instead of failing inside one.</summary>
    public static void RequireSupportedServer(Version server, string location)
    {
        if (server < OldestServer)
        {
            throw new StoreUnavailableException(
                $"The PostgreSQL server of {location} runs version {server.ToString(2)}; AgentMem needs PostgreSQL {OldestServer.Major} or later.");
        }
    }

    /// <summary>The version in <c>schema_migrations</c> (0 when absent), after checking the tables found are ours.</summary>
    private static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string location, CancellationToken cancellationToken)
    {
        var columns = new List<string>();
        using (var cmd = new NpgsqlCommand(
            """
                SELECT a.attname::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relname = 'schema_migrations' AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY 1;
                """,
            connection,
            tx))
        {
            var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var rScope = r.ConfigureAwait(false);
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add(r.GetString(0));
            }
        }

        if (columns.Count == 0)
        {
            string? foreign = await FirstExistingTableAsync(connection, tx, cancellationToken).ConfigureAwait(false);
            return foreign is null
                ? 0
                : throw new StoreFormatException(
                    $"The database {location} has a table '{foreign}' but no AgentMem schema_migrations table: it is not an AgentMem database. Use an empty database or schema.");
        }

        if (!columns.SequenceEqual(MigrationColumns, StringComparer.Ordinal))
        {
            throw new StoreFormatException(
                $"The database {location} has a schema_migrations table that is not AgentMem's (columns {string.Join(", ", columns)}). Use an empty database or schema.");
        }

        using var read = new NpgsqlCommand("SELECT coalesce(max(version), 0), (SELECT name FROM schema_migrations WHERE version = 1) FROM schema_migrations;", connection, tx);
        var rows = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var rowsScope = rows.ConfigureAwait(false);
        await rows.ReadAsync(cancellationToken).ConfigureAwait(false);
        int version = rows.GetInt32(0);
        string? first = rows.IsDBNull(1) ? null : rows.GetString(1);
        if (version > 0 && !string.Equals(first, PostgresMigrations.All[0].Name, StringComparison.Ordinal))
        {
            throw new StoreFormatException(
                $"The database {location} has a schema_migrations table written by another application (step 1 is '{first}'). Use an empty database or schema.");
        }

        return version;
    }

    private static async Task<string?> FirstExistingTableAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken cancellationToken)
    {
        using var cmd = new NpgsqlCommand(
            "SELECT relname::text FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND relname = ANY(@names) ORDER BY 1 LIMIT 1;",
            connection,
            tx);
        cmd.Parameters.AddWithValue("names", PostgresMigrations.Tables.ToArray());
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }
}
