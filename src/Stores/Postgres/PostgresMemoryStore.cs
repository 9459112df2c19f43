using AgentMem.Common.Http;
using AgentMem.Stores.Postgres.Schema;

namespace AgentMem.Stores.Postgres;

/// <summary>
/// The store for several nodes sharing one PostgreSQL database: the same tables and behaviour as
/// <see cref="Sqlite.SqliteMemoryStore"/>, with English full-text search over a generated <c>tsvector</c>, tenant isolation
/// enforced twice (every query names the tenant, and row-level security binds each transaction to it), a change feed
/// numbered in commit order per cube, an audit log the database keeps append-only, and retries that never apply a write
/// twice. Safe for concurrent use; connections come from one pool, released by <see cref="DisposeAsync"/>.
/// </summary>
/// <remarks>
/// Adding a memory whose id is already stored in the tenant (same cube and content) is taken as the same write made
/// again: the outcome is that id with <c>Created = false</c>, and nothing is written. The same id with other content is a
/// <see cref="MemoryStateException"/>. Memory ids are unique per tenant (SQLite: per file).
/// </remarks>
public sealed partial class PostgresMemoryStore : IMemoryStore
{
    private const string LiveStatesSql = "(0, 1, 3)"; // Active, Archived, Frozen: the states that hold content worth de-duplicating.

    private readonly NpgsqlDataSource dataSource;
    private readonly PostgresStoreOptions options;
    private bool disposed;

    private PostgresMemoryStore(NpgsqlDataSource dataSource, PostgresStoreOptions options, string location, int versionAtOpen, bool rowLevelSecurityEnforced)
    {
        this.dataSource = dataSource;
        this.options = options;
        Location = location;
        SchemaVersionAtOpen = versionAtOpen;
        RowLevelSecurityEnforced = rowLevelSecurityEnforced;
    }

    /// <summary>The database as a URI with user, host, port and database but never the password: for logs and status pages.</summary>
    public string Location { get; }

    /// <summary>The schema version the database had when opened (0 for a database this call set up).</summary>
    public int SchemaVersionAtOpen { get; }

    /// <summary>The schema version this build writes.</summary>
    public static int LatestSchemaVersion => PostgresMigrations.Latest;

    /// <summary>
    /// False when the connecting role is a superuser or has BYPASSRLS: the database then does not enforce tenant isolation
    /// and only the store's own queries do. Hosts should warn; connect as an ordinary role (the owner is bound too).
    /// </summary>
    public bool RowLevelSecurityEnforced { get; }

    /// <summary>Opens the database at <paramref name="connectionString"/> (URI or keywords) with default options.</summary>
    public static Task<PostgresMemoryStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default) =>
        OpenAsync(new PostgresStoreOptions { ConnectionString = connectionString }, cancellationToken);

    /// <summary>
    /// Opens the database, creating and migrating the schema as needed (several nodes may do this at once). Throws
    /// <see cref="StoreFormatException"/> for a database holding tables of the same names that are not AgentMem's and
    /// <see cref="SchemaVersionException"/> for a schema newer than this build, and <see cref="StoreUnavailableException"/> when
    /// the server cannot be reached or refuses the connection (after the transient-failure retries).
    /// </summary>
    public static async Task<PostgresMemoryStore> OpenAsync(PostgresStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var resolved = new PostgresStoreOptions
        {
            ConnectionString = options.ConnectionString,
            MaxPoolSize = options.MaxPoolSize,
            CommandTimeout = options.CommandTimeout,
            ConnectTimeout = options.ConnectTimeout,
            MaxRetries = options.MaxRetries,
            RetryBaseDelay = options.RetryBaseDelay,
            RetryMaxDelay = options.RetryMaxDelay,
            ApplicationName = options.ApplicationName,
        };
        var connection = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToKeywordForm(resolved.ConnectionString))
        {
            MaxPoolSize = resolved.MaxPoolSize,
            CommandTimeout = (int)Math.Ceiling(resolved.CommandTimeout.TotalSeconds),
            Timeout = (int)Math.Ceiling(resolved.ConnectTimeout.TotalSeconds),
        };
        if (string.IsNullOrEmpty(connection.ApplicationName))
        {
            connection.ApplicationName = resolved.ApplicationName;
        }

        string location = PostgresConnectionString.Display(connection.ConnectionString);
        var dataSource = new NpgsqlDataSourceBuilder(connection.ConnectionString).Build();
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                    await using var connScope = conn.ConfigureAwait(false);
                    int version = await PostgresSchemaManager.EnsureSchemaAsync(conn, location, cancellationToken).ConfigureAwait(false);
                    using var role = new NpgsqlCommand("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user;", conn);
                    bool bypasses = await role.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
                    return new PostgresMemoryStore(dataSource, resolved, location, version, rowLevelSecurityEnforced: !bypasses);
                }
                catch (Exception ex) when (attempt < resolved.MaxRetries && !cancellationToken.IsCancellationRequested && PostgresTransientErrors.IsTransient(ex))
                {
                    var delay = RetryTiming.Delay(attempt, resolved.RetryBaseDelay, resolved.RetryMaxDelay);
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (NpgsqlException ex)
        {
            // Down, refusing, unknown database, bad credentials: one clear error naming where, never the password.
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw new StoreUnavailableException($"Cannot open the PostgreSQL database {location}: {ex.Message}", ex);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// <see cref="OpenAsync(PostgresStoreOptions, CancellationToken)"/> for synchronous callers such as a command line's
    /// startup; blocks the calling thread until the schema is ready.
    /// </summary>
    public static PostgresMemoryStore Open(PostgresStoreOptions options) =>
        Task.Run(() => OpenAsync(options, CancellationToken.None)).GetAwaiter().GetResult();

    /// <inheritdoc/>
    public async Task CreateCubeAsync(MemCube cube, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cube);
        await WriteAsync(cube.Owner.Tenant, async (conn, tx, ct) =>
        {
            using (var exists = Command(conn, tx, "SELECT 1 FROM cubes WHERE tenant = @t AND (name = @n OR id = @n);"))
            {
                exists.Parameters.AddWithValue("t", cube.Owner.Tenant);
                exists.Parameters.AddWithValue("n", cube.Name);
                if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
                {
                    throw CubeTaken(cube);
                }
            }

            using var insert = Command(conn, tx, """
                INSERT INTO cubes(tenant, id, name, owner_user, owner_agent, owner_session, description, grants_json, policy_json, created_at, updated_at)
                VALUES (@t, @id, @n, @u, @a, @s, @d, @g, @p, @c, @m);
                """);
            BindCube(insert, cube);
            try
            {
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresTransientErrors.UniqueViolation)
            {
                // Another node created it between the check and the insert.
                throw CubeTaken(cube, ex);
            }

            await InsertAuditAsync(conn, tx, cube.Owner.Tenant, audit, ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<MemCube?> FindCubeAsync(string tenant, string idOrName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idOrName);
        return await ReadAsync(tenant, async (conn, tx, ct) =>
        {
            using var cmd = Command(conn, tx, $"SELECT {CubeColumns} FROM cubes WHERE tenant = @t AND (id = @k OR name = @k) ORDER BY id = @k DESC LIMIT 1;");
            cmd.Parameters.AddWithValue("t", tenant);
            cmd.Parameters.AddWithValue("k", idOrName);
            var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var rScope = r.ConfigureAwait(false);
            return await r.ReadAsync(ct).ConfigureAwait(false) ? ReadCube(r) : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemCube>> ListCubesAsync(string tenant, CancellationToken cancellationToken = default)
    {
        return await ReadAsync<IReadOnlyList<MemCube>>(tenant, async (conn, tx, ct) =>
        {
            using var cmd = Command(conn, tx, $"SELECT {CubeColumns} FROM cubes WHERE tenant = @t ORDER BY name;");
            cmd.Parameters.AddWithValue("t", tenant);
            var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var rScope = r.ConfigureAwait(false);
            var list = new List<MemCube>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                list.Add(ReadCube(r));
            }

            return list;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task UpdateCubeAsync(MemCube cube, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cube);
        await WriteAsync(cube.Owner.Tenant, async (conn, tx, ct) =>
        {
            using var cmd = Command(conn, tx, """
                UPDATE cubes SET description = @d, grants_json = @g, policy_json = @p, updated_at = @m
                WHERE tenant = @t AND id = @id;
                """);
            BindCube(cmd, cube);
            if (await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
            {
                throw new CubeNotFoundException($"No cube '{cube.Id}' in tenant '{cube.Owner.Tenant}'.");
            }

            await InsertAuditAsync(conn, tx, cube.Owner.Tenant, audit, ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<AddOutcome>> AddAsync(string tenant, IReadOnlyList<MemoryItem> items, AddOptions options, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireAdd(tenant, items, options, audit);
        if (items.Count == 0)
        {
            return [];
        }

        return await WriteAsync<IReadOnlyList<AddOutcome>>(tenant, async (conn, tx, ct) =>
        {
            var cubes = items.Select(i => i.CubeId).Distinct(StringComparer.Ordinal).ToList();
            await RequireCubesAsync(conn, tx, tenant, cubes, ct).ConfigureAwait(false);
            await LockChangeCountersAsync(conn, tx, tenant, cubes, ct).ConfigureAwait(false);

            var outcomes = new AddOutcome[items.Count];
            var deduplication = new BatchDeduplication();
            using var findId = Command(conn, tx, "SELECT cube_id, content_hash FROM memories WHERE tenant = @t AND id = @id;");
            using var findHash = Command(conn, tx, $"SELECT id FROM memories WHERE tenant = @t AND cube_id = @c AND content_hash = @h AND state IN {LiveStatesSql} LIMIT 1;");
            using var insert = Command(conn, tx, PostgresMemoryRows.InsertSql);
            for (int i = 0; i < items.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var item = items[i];
                if (await FindSameWriteAsync(findId, tenant, item, ct).ConfigureAwait(false))
                {
                    outcomes[i] = new AddOutcome(item.Id, false);
                    continue;
                }

                if (options.Deduplicate && await deduplication.DuplicateAsync(item, FindStoredContentAsync).ConfigureAwait(false) is { } duplicate)
                {
                    outcomes[i] = duplicate;
                    continue;
                }

                PostgresMemoryRows.Bind(insert, item);
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await WriteTagsAsync(conn, tx, tenant, item, ct).ConfigureAwait(false);
                await WriteLinksAsync(conn, tx, tenant, item, ct).ConfigureAwait(false);
                await InsertAuditAsync(conn, tx, tenant, audit with { CubeId = item.CubeId, MemoryId = item.Id.ToString(), Version = item.Version }, ct).ConfigureAwait(false);
                outcomes[i] = new AddOutcome(item.Id, true);
            }

            if (LiveItemLimit.Applies(options))
            {
                foreach (string cube in cubes)
                {
                    LiveItemLimit.Check(cube, await CountLiveAsync(conn, tx, tenant, cube, ct).ConfigureAwait(false), options);
                }
            }

            return outcomes;

            async Task<MemoryId?> FindStoredContentAsync(MemoryItem item)
            {
                findHash.Parameters.Clear();
                findHash.Parameters.AddWithValue("t", tenant);
                findHash.Parameters.AddWithValue("c", item.CubeId);
                findHash.Parameters.AddWithValue("h", item.ContentHash);
                return await findHash.ExecuteScalarAsync(ct).ConfigureAwait(false) is string existing ? MemoryId.Parse(existing) : null;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<MemoryItem?> GetAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default)
    {
        var items = await GetManyAsync(tenant, [id], cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryItem>> GetManyAsync(string tenant, IReadOnlyList<MemoryId> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        return await ReadAsync<IReadOnlyList<MemoryItem>>(tenant, async (conn, tx, ct) =>
        {
            using var cmd = Command(conn, tx, $"SELECT {PostgresMemoryRows.Columns} FROM memories m WHERE m.tenant = @t AND m.id = ANY(@ids);");
            cmd.Parameters.AddWithValue("t", tenant);
            cmd.Parameters.AddWithValue("ids", ids.Select(i => i.ToString()).Distinct(StringComparer.Ordinal).ToArray());
            return RequestedOrder.Arrange(ids, await ReadItemsAsync(conn, tx, cmd, tenant, ct).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task ReplaceAsync(string tenant, MemoryItem superseded, MemoryItem next, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireReplace(tenant, superseded, next, audit);
        await WriteAsync(tenant, async (conn, tx, ct) =>
        {
            // The version check in the WHERE is the optimistic lock: of two writers of the same version, the second waits
            // for the first's row lock, then finds the version moved on and updates nothing.
            using (var update = Command(conn, tx, $"UPDATE memories SET {PostgresMemoryRows.MutableAssignments} WHERE tenant = @tenant AND id = @id AND version = @expected;"))
            {
                PostgresMemoryRows.Bind(update, next);
                update.Parameters.AddWithValue("expected", superseded.Version);
                if (await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
                {
                    throw new MemoryStateException($"Memory {next.Id} changed while this update was being made (expected version {superseded.Version}); read it again and retry.");
                }
            }

            using (var snapshot = Command(conn, tx, "INSERT INTO memory_versions(tenant, memory_id, version, snapshot_json, superseded_at) VALUES (@t, @id, @v, @j, @at);"))
            {
                snapshot.Parameters.AddWithValue("t", tenant);
                snapshot.Parameters.AddWithValue("id", superseded.Id.ToString());
                snapshot.Parameters.AddWithValue("v", superseded.Version);
                snapshot.Parameters.AddWithValue("j", NpgsqlDbType.Jsonb, StoreJson.Serialize(superseded));
                snapshot.Parameters.AddWithValue("at", NpgsqlDbType.TimestampTz, PgValues.Time(next.UpdatedAt));
                await snapshot.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await DeleteWhereAsync(conn, tx, "memory_tags", "memory_id", tenant, next.Id, ct).ConfigureAwait(false);
            await WriteTagsAsync(conn, tx, tenant, next, ct).ConfigureAwait(false);
            await DeleteWhereAsync(conn, tx, "memory_links", "source_id", tenant, next.Id, ct).ConfigureAwait(false);
            await WriteLinksAsync(conn, tx, tenant, next, ct).ConfigureAwait(false);
            await InsertAuditAsync(conn, tx, tenant, audit, ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default)
    {
        return await ReadAsync<IReadOnlyList<MemoryItem>>(tenant, async (conn, tx, ct) =>
        {
            using var current = Command(conn, tx, $"SELECT {PostgresMemoryRows.Columns} FROM memories m WHERE m.tenant = @t AND m.id = @id;");
            current.Parameters.AddWithValue("t", tenant);
            current.Parameters.AddWithValue("id", id.ToString());
            var now = await ReadItemsAsync(conn, tx, current, tenant, ct).ConfigureAwait(false);
            if (now.Count == 0)
            {
                return [];
            }

            using var cmd = Command(conn, tx, "SELECT snapshot_json::text FROM memory_versions WHERE tenant = @t AND memory_id = @id ORDER BY version;");
            cmd.Parameters.AddWithValue("t", tenant);
            cmd.Parameters.AddWithValue("id", id.ToString());
            var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var rScope = r.ConfigureAwait(false);
            var snapshots = new List<string>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                snapshots.Add(r.GetString(0));
            }

            return VersionHistory.Assemble(snapshots, now[0]);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryItem>> ListAsync(string tenant, MemoryFilter filter, int limit, MemoryId? after = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await ReadAsync<IReadOnlyList<MemoryItem>>(tenant, async (conn, tx, ct) =>
        {
            using var cmd = Command(conn, tx, string.Empty);
            var sql = new StringBuilder($"SELECT {PostgresMemoryRows.Columns} FROM memories m WHERE");
            PostgresFilterSql.Append(sql, cmd, tenant, filter);
            if (after is { } cursor)
            {
                sql.Append(" AND m.id > @after");
                cmd.Parameters.AddWithValue("after", cursor.ToString());
            }

            sql.Append(" ORDER BY m.id LIMIT @limit;");
            cmd.Parameters.AddWithValue("limit", limit);
            cmd.CommandText = sql.ToString();
            return await ReadItemsAsync(conn, tx, cmd, tenant, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// PostgreSQL full-text search with the English configuration (stemming, stop words dropped): each term is matched as a
    /// phrase, terms are OR-ed, and the score is <c>ts_rank_cd</c> with the field weights of SQLite's bm25() call and
    /// length normalisation, higher is better. Scores are not comparable with SQLite's BM25 values.
    /// </remarks>
    public async Task<IReadOnlyList<LexicalMatch>> SearchLexicalAsync(string tenant, LexicalQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        if (query.Terms.All(t => string.IsNullOrWhiteSpace(t)))
        {
            return [];
        }

        return await ReadAsync<IReadOnlyList<LexicalMatch>>(tenant, async (conn, tx, ct) =>
        {
            // Weights {D, C, B, A}: context 0.4, actor 0.6, tags and keywords 0.8, text 1.0; flag 1 divides by 1 + log(length).
            using var cmd = Command(conn, tx, string.Empty);
            string tsquery = PostgresTextQuery.AnyOf(query.Terms, cmd)!;
            var sql = new StringBuilder($"SELECT {PostgresMemoryRows.Columns}, ts_rank_cd('{{0.4,0.6,0.8,1.0}}', m.search_vector, q.query, 1)::float8 AS score FROM memories m, (SELECT {tsquery} AS query) q WHERE m.search_vector @@ q.query AND");
            PostgresFilterSql.Append(sql, cmd, tenant, query.Filter);
            sql.Append(" ORDER BY score DESC, m.id LIMIT @limit;");
            cmd.Parameters.AddWithValue("limit", query.Limit);
            cmd.CommandText = sql.ToString();
            var scores = new List<double>();
            var items = await ReadItemsAsync(conn, tx, cmd, tenant, ct, r => scores.Add(r.GetDouble(PostgresMemoryRows.ColumnCount))).ConfigureAwait(false);
            return LexicalMatches.Pair(items, scores);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks><see cref="StoreStats.StorageBytes"/> is null: the database is shared by tenants, and its size is not one tenant's.</remarks>
    public async Task<StoreStats> GetStatsAsync(string tenant, string? cubeId, CancellationToken cancellationToken = default)
    {
        return await ReadAsync(tenant, async (conn, tx, ct) =>
        {
            string cubeFilter = cubeId is null ? string.Empty : " AND cube_id = @c";
            NpgsqlCommand Make(string sql)
            {
                var cmd = Command(conn, tx, sql);
                cmd.Parameters.AddWithValue("t", tenant);
                if (cubeId is not null)
                {
                    cmd.Parameters.AddWithValue("c", cubeId);
                }

                return cmd;
            }

            async Task<long> CountAsync(string sql)
            {
                using var cmd = Make(sql);
                return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            var byState = new Dictionary<LifecycleState, long>();
            using (var cmd = Make($"SELECT state, count(*) FROM memories WHERE tenant = @t{cubeFilter} GROUP BY state;"))
            {
                var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var rScope = r.ConfigureAwait(false);
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    byState[(LifecycleState)r.GetInt32(0)] = r.GetInt64(1);
                }
            }

            var byKind = new Dictionary<MemoryKind, long>();
            using (var cmd = Make($"SELECT kind, count(*) FROM memories WHERE tenant = @t{cubeFilter} AND state IN {LiveStatesSql} GROUP BY kind;"))
            {
                var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var rScope = r.ConfigureAwait(false);
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    byKind[(MemoryKind)r.GetInt32(0)] = r.GetInt64(1);
                }
            }

            long cubes = await CountAsync(cubeId is null ? "SELECT count(*) FROM cubes WHERE tenant = @t;" : "SELECT count(*) FROM cubes WHERE tenant = @t AND id = @c;").ConfigureAwait(false);
            long versions = await CountAsync(cubeId is null
                ? "SELECT count(*) FROM memory_versions WHERE tenant = @t;"
                : "SELECT count(*) FROM memory_versions v JOIN memories m ON m.tenant = v.tenant AND m.id = v.memory_id WHERE v.tenant = @t AND m.cube_id = @c;").ConfigureAwait(false);
            long audits = await CountAsync($"SELECT count(*) FROM audit_log WHERE tenant = @t{cubeFilter};").ConfigureAwait(false);
            return new StoreStats((int)cubes, byState, byKind, versions, audits, null);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(string tenant, MemoryId? memoryId = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await ReadAsync<IReadOnlyList<AuditRecord>>(tenant, async (conn, tx, ct) =>
        {
            using var cmd = Command(conn, tx, memoryId is null
                ? "SELECT at, tenant, user_id, agent_id, action, cube_id, memory_id, version, detail FROM audit_log WHERE tenant = @t ORDER BY seq LIMIT @n;"
                : "SELECT at, tenant, user_id, agent_id, action, cube_id, memory_id, version, detail FROM audit_log WHERE tenant = @t AND memory_id = @m ORDER BY seq LIMIT @n;");
            cmd.Parameters.AddWithValue("t", tenant);
            cmd.Parameters.AddWithValue("n", limit);
            if (memoryId is { } m)
            {
                cmd.Parameters.AddWithValue("m", m.ToString());
            }

            var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);

            await using var rScope = r.ConfigureAwait(false);
            var list = new List<AuditRecord>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                list.Add(AuditRowReader.Read(r, PgValues.ReadTime));
            }

            return list;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!disposed)
        {
            disposed = true;
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static CubeAlreadyExistsException CubeTaken(MemCube cube, Exception? cause = null) =>
        cause is null
            ? new($"A cube named '{cube.Name}' already exists in tenant '{cube.Owner.Tenant}'.")
            : new($"A cube named '{cube.Name}' already exists in tenant '{cube.Owner.Tenant}'.", cause);

    /// <summary>Throws <see cref="CubeNotFoundException"/> for the first of <paramref name="cubeIds"/> (in batch order) not in the tenant.</summary>
    private static async Task RequireCubesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string tenant, List<string> cubeIds, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, "SELECT id FROM cubes WHERE tenant = @t AND id = ANY(@c);");
        cmd.Parameters.AddWithValue("t", tenant);
        cmd.Parameters.AddWithValue("c", cubeIds.ToArray());
        var found = new HashSet<string>(StringComparer.Ordinal);
        var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await using (r.ConfigureAwait(false))
        {
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                found.Add(r.GetString(0));
            }
        }

        foreach (string cube in cubeIds)
        {
            if (!found.Contains(cube))
            {
                throw new CubeNotFoundException($"No cube '{cube}' in tenant '{tenant}'.");
            }
        }
    }

    /// <summary>
    /// Locks the change counters of <paramref name="cubeIds"/>, in id order, for the rest of the transaction (the trigger
    /// would lock them one by one, in write order). Adds to one cube then run one at a time, so de-duplication and the
    /// live-item limit see every earlier add from any node, and two writes over the same cubes cannot deadlock.
    /// </summary>
    private static async Task LockChangeCountersAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string tenant, List<string> cubeIds, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, """
            INSERT INTO change_counters(tenant, cube_id, seq) SELECT @t, c, 0 FROM unnest(@c) c ON CONFLICT (tenant, cube_id) DO NOTHING;
            SELECT cube_id FROM change_counters WHERE tenant = @t AND cube_id = ANY(@c) ORDER BY cube_id FOR UPDATE;
            """);
        cmd.Parameters.AddWithValue("t", tenant);
        cmd.Parameters.AddWithValue("c", cubeIds.ToArray());
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether <paramref name="item"/>'s id is already stored in the tenant with the same cube and content: the same write
    /// made again (a caller's retry). The same id with anything else is a <see cref="MemoryStateException"/>.
    /// </summary>
    private static async Task<bool> FindSameWriteAsync(NpgsqlCommand findId, string tenant, MemoryItem item, CancellationToken ct)
    {
        findId.Parameters.Clear();
        findId.Parameters.AddWithValue("t", tenant);
        findId.Parameters.AddWithValue("id", item.Id.ToString());
        var r = await findId.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await using var rScope = r.ConfigureAwait(false);
        if (!await r.ReadAsync(ct).ConfigureAwait(false))
        {
            return false;
        }

        if (string.Equals(r.GetString(0), item.CubeId, StringComparison.Ordinal) && string.Equals(r.GetString(1), item.ContentHash, StringComparison.Ordinal))
        {
            return true;
        }

        throw new MemoryStateException($"Memory {item.Id} already exists in tenant '{tenant}' with other content or in another cube; a memory id is never reused.");
    }
}
