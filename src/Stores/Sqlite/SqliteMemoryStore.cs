using AgentMem.Stores.Sqlite.Schema;

namespace AgentMem.Stores.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with an FTS5 index kept in sync by triggers,
/// a version history table, an append-only audit log and forward-only migrations. Every query is
/// bounded to one tenant; every multi-row write is one transaction. Safe for concurrent use within a
/// process (writes are serialised) and across processes (SQLite locking with a busy timeout).
/// </summary>
public sealed partial class SqliteMemoryStore : IMemoryStore
{
    private const string LiveStatesSql = "(0, 1, 3)"; // Active, Archived, Frozen: the states that hold content worth de-duplicating.

    private readonly string connectionString;
    private readonly SqliteStoreOptions options;
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private bool disposed;

    private SqliteMemoryStore(SqliteStoreOptions options, string connectionString, int versionAtOpen)
    {
        this.options = options;
        this.connectionString = connectionString;
        SchemaVersionAtOpen = versionAtOpen;
    }

    /// <summary>The full path of the database file.</summary>
    public string Path => options.Path;

    /// <summary>The schema version the file had when opened (0 for a file this call created).</summary>
    public int SchemaVersionAtOpen { get; }

    /// <summary>The schema version this build writes.</summary>
    public static int LatestSchemaVersion => Migrations.Latest;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> with default options.</summary>
    public static SqliteMemoryStore Open(string path) => Open(new SqliteStoreOptions { Path = path });

    /// <summary>
    /// Opens the database, creating and migrating it as needed. Throws <see cref="StoreFormatException"/>
    /// for a file that is not an AgentMem database and <see cref="SchemaVersionException"/> for a newer schema.
    /// </summary>
    public static SqliteMemoryStore Open(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var resolved = new SqliteStoreOptions
        {
            Path = System.IO.Path.GetFullPath(options.Path),
            DurableCommits = options.DurableCommits,
            BusyTimeout = options.BusyTimeout,
            ReadOnly = options.ReadOnly,
            MaxPageCount = options.MaxPageCount,
        };
        if (!resolved.ReadOnly && System.IO.Path.GetDirectoryName(resolved.Path) is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
        }
        else if (resolved.ReadOnly && !File.Exists(resolved.Path))
        {
            throw new StoreFormatException($"'{resolved.Path}' does not exist (opened read-only, so it was not created).");
        }

        string cs = new SqliteConnectionStringBuilder
        {
            DataSource = resolved.Path,
            Mode = resolved.ReadOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(resolved.BusyTimeout.TotalSeconds),
        }.ToString();

        try
        {
            using var connection = new SqliteConnection(cs);
            connection.Open();
            int version = SchemaManager.EnsureSchema(connection, resolved.Path, resolved.ReadOnly);
            if (!resolved.ReadOnly)
            {
                Execute(connection, "PRAGMA journal_mode = WAL;");
            }

            return new SqliteMemoryStore(resolved, cs, version);
        }
        catch (SqliteException ex) when (SqliteErrors.IsDamagedFile(ex))
        {
            SqliteConnection.ClearAllPools();
            throw new StoreFormatException($"'{resolved.Path}' is not an AgentMem database or is damaged: {ex.Message}", ex);
        }
        catch
        {
            SqliteConnection.ClearAllPools();
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task CreateCubeAsync(MemCube cube, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cube);
        await WriteAsync(cube.Owner.Tenant, (conn, tx) =>
        {
            using var exists = Command(conn, tx, "SELECT 1 FROM cubes WHERE tenant = $t AND (name = $n OR id = $n);");
            exists.Parameters.AddWithValue("$t", cube.Owner.Tenant);
            exists.Parameters.AddWithValue("$n", cube.Name);
            if (exists.ExecuteScalar() is not null)
            {
                throw new CubeAlreadyExistsException($"A cube named '{cube.Name}' already exists in tenant '{cube.Owner.Tenant}'.");
            }

            using var insert = Command(conn, tx, """
                INSERT INTO cubes(tenant, id, name, owner_user, owner_agent, owner_session, description, grants_json, policy_json, created_at, updated_at)
                VALUES ($t, $id, $n, $u, $a, $s, $d, $g, $p, $c, $m);
                """);
            BindCube(insert, cube);
            insert.ExecuteNonQuery();
            InsertAudit(conn, tx, cube.Owner.Tenant, audit);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<MemCube?> FindCubeAsync(string tenant, string idOrName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idOrName);
        return await ReadAsync(conn =>
        {
            using var cmd = Command(conn, null, $"SELECT {CubeColumns} FROM cubes WHERE tenant = $t AND (id = $k OR name = $k) ORDER BY id = $k DESC LIMIT 1;");
            cmd.Parameters.AddWithValue("$t", tenant);
            cmd.Parameters.AddWithValue("$k", idOrName);
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadCube(r) : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemCube>> ListCubesAsync(string tenant, CancellationToken cancellationToken = default)
    {
        return await ReadAsync(conn =>
        {
            using var cmd = Command(conn, null, $"SELECT {CubeColumns} FROM cubes WHERE tenant = $t ORDER BY name;");
            cmd.Parameters.AddWithValue("$t", tenant);
            using var r = cmd.ExecuteReader();
            var list = new List<MemCube>();
            while (r.Read())
            {
                list.Add(ReadCube(r));
            }

            return (IReadOnlyList<MemCube>)list;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task UpdateCubeAsync(MemCube cube, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cube);
        await WriteAsync(cube.Owner.Tenant, (conn, tx) =>
        {
            using var cmd = Command(conn, tx, """
                UPDATE cubes SET description = $d, grants_json = $g, policy_json = $p, updated_at = $m
                WHERE tenant = $t AND id = $id;
                """);
            BindCube(cmd, cube);
            if (cmd.ExecuteNonQuery() == 0)
            {
                throw new CubeNotFoundException($"No cube '{cube.Id}' in tenant '{cube.Owner.Tenant}'.");
            }

            InsertAudit(conn, tx, cube.Owner.Tenant, audit);
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

        return await WriteAsync(tenant, (conn, tx) =>
        {
            var outcomes = new AddOutcome[items.Count];
            var deduplication = new BatchDeduplication();
            var createdPerCube = new Dictionary<string, int>(StringComparer.Ordinal);
            using var findHash = Command(conn, tx, $"SELECT id FROM memories WHERE tenant = $t AND cube_id = $c AND content_hash = $h AND state IN {LiveStatesSql} LIMIT 1;");
            using var insert = Command(conn, tx, MemoryRows.InsertSql);
            for (int i = 0; i < items.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var item = items[i];
                if (!createdPerCube.TryGetValue(item.CubeId, out int createdInCube))
                {
                    RequireCube(conn, tx, tenant, item.CubeId);
                    createdPerCube[item.CubeId] = 0;
                }

                if (options.Deduplicate && deduplication.Duplicate(item, FindStoredContent) is { } duplicate)
                {
                    outcomes[i] = duplicate;
                    continue;
                }

                MemoryRows.Bind(insert, item);
                insert.ExecuteNonQuery();
                WriteTags(conn, tx, tenant, item);
                WriteLinks(conn, tx, tenant, item);
                InsertAudit(conn, tx, tenant, audit with { CubeId = item.CubeId, MemoryId = item.Id.ToString(), Version = item.Version });
                createdPerCube[item.CubeId] = createdInCube + 1;
                outcomes[i] = new AddOutcome(item.Id, true);
            }

            if (LiveItemLimit.Applies(options))
            {
                foreach (var (cube, _) in createdPerCube)
                {
                    LiveItemLimit.Check(cube, CountLive(conn, tx, tenant, cube), options);
                }
            }

            return (IReadOnlyList<AddOutcome>)outcomes;

            MemoryId? FindStoredContent(MemoryItem item)
            {
                findHash.Parameters.Clear();
                findHash.Parameters.AddWithValue("$t", tenant);
                findHash.Parameters.AddWithValue("$c", item.CubeId);
                findHash.Parameters.AddWithValue("$h", item.ContentHash);
                return findHash.ExecuteScalar() is string existing ? MemoryId.Parse(existing) : null;
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

        return await ReadAsync(conn =>
        {
            // "+m.tenant": without it SQLite answers through (tenant, cube_id, id) and scans the whole tenant for a few ids.
            var sql = new StringBuilder($"SELECT {MemoryRows.Columns} FROM memories m WHERE +m.tenant = $t AND m.id IN (");
            using var cmd = Command(conn, null, string.Empty);
            cmd.Parameters.AddWithValue("$t", tenant);
            for (int i = 0; i < ids.Count; i++)
            {
                string name = string.Create(CultureInfo.InvariantCulture, $"$id{i}");
                sql.Append(i == 0 ? string.Empty : ",").Append(name);
                cmd.Parameters.AddWithValue(name, ids[i].ToString());
            }

            cmd.CommandText = sql.Append(");").ToString();
            return (IReadOnlyList<MemoryItem>)RequestedOrder.Arrange(ids, ReadItems(conn, cmd, tenant));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task ReplaceAsync(string tenant, MemoryItem superseded, MemoryItem next, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireReplace(tenant, superseded, next, audit);
        await WriteAsync(tenant, (conn, tx) =>
        {
            using var update = Command(conn, tx, $"UPDATE memories SET {MemoryRows.MutableAssignments} WHERE tenant = $tenant AND id = $id AND version = $expected;");
            MemoryRows.Bind(update, next);
            update.Parameters.AddWithValue("$expected", superseded.Version);
            if (update.ExecuteNonQuery() == 0)
            {
                throw new MemoryStateException($"Memory {next.Id} changed while this update was being made (expected version {superseded.Version}); read it again and retry.");
            }

            using var snapshot = Command(conn, tx, "INSERT INTO memory_versions(tenant, memory_id, version, snapshot_json, superseded_at) VALUES ($t, $id, $v, $j, $at);");
            snapshot.Parameters.AddWithValue("$t", tenant);
            snapshot.Parameters.AddWithValue("$id", superseded.Id.ToString());
            snapshot.Parameters.AddWithValue("$v", superseded.Version);
            snapshot.Parameters.AddWithValue("$j", StoreJson.Serialize(superseded));
            snapshot.Parameters.AddWithValue("$at", SqlValues.Time(next.UpdatedAt));
            snapshot.ExecuteNonQuery();

            DeleteWhere(conn, tx, "memory_tags", "memory_id", tenant, next.Id);
            WriteTags(conn, tx, tenant, next);
            DeleteWhere(conn, tx, "memory_links", "source_id", tenant, next.Id);
            WriteLinks(conn, tx, tenant, next);
            InsertAudit(conn, tx, tenant, audit);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default)
    {
        var current = await GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return [];
        }

        return await ReadAsync(conn =>
        {
            using var cmd = Command(conn, null, "SELECT snapshot_json FROM memory_versions WHERE tenant = $t AND memory_id = $id ORDER BY version;");
            cmd.Parameters.AddWithValue("$t", tenant);
            cmd.Parameters.AddWithValue("$id", id.ToString());
            using var r = cmd.ExecuteReader();
            var snapshots = new List<string>();
            while (r.Read())
            {
                snapshots.Add(r.GetString(0));
            }

            return (IReadOnlyList<MemoryItem>)VersionHistory.Assemble(snapshots, current);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryItem>> ListAsync(string tenant, MemoryFilter filter, int limit, MemoryId? after = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await ReadAsync(conn =>
        {
            using var cmd = Command(conn, null, string.Empty);
            var sql = new StringBuilder($"SELECT {MemoryRows.Columns} FROM memories m WHERE");
            FilterSql.Append(sql, cmd, tenant, filter);
            if (after is { } cursor)
            {
                sql.Append(" AND m.id > $after");
                cmd.Parameters.AddWithValue("$after", cursor.ToString());
            }

            sql.Append(" ORDER BY m.id LIMIT $limit;");
            cmd.Parameters.AddWithValue("$limit", limit);
            cmd.CommandText = sql.ToString();
            return (IReadOnlyList<MemoryItem>)ReadItems(conn, cmd, tenant);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<LexicalMatch>> SearchLexicalAsync(string tenant, LexicalQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        string? match = FtsQuery.AnyOf(query.Terms);
        if (match is null)
        {
            return [];
        }

        return await ReadAsync(conn =>
        {
            // Column weights: text counts most; speaker, tags and keywords help; context least.
            const string rank = "bm25(memories_fts, 1.0, 0.6, 0.8, 0.8, 0.4)";
            using var cmd = Command(conn, null, string.Empty);
            var sql = new StringBuilder($"SELECT {MemoryRows.Columns}, -{rank} AS score FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid WHERE memories_fts MATCH $match AND");
            cmd.Parameters.AddWithValue("$match", match);
            FilterSql.Append(sql, cmd, tenant, query.Filter);
            sql.Append(CultureInfo.InvariantCulture, $" ORDER BY {rank}, m.id LIMIT $limit;");
            cmd.Parameters.AddWithValue("$limit", query.Limit);
            cmd.CommandText = sql.ToString();
            var scores = new List<double>();
            var items = ReadItems(conn, cmd, tenant, r => scores.Add(r.GetDouble(MemoryRows.ColumnCount)));
            return (IReadOnlyList<LexicalMatch>)LexicalMatches.Pair(items, scores);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<StoreStats> GetStatsAsync(string tenant, string? cubeId, CancellationToken cancellationToken = default)
    {
        return await ReadAsync(conn =>
        {
            string cubeFilter = cubeId is null ? string.Empty : " AND cube_id = $c";
            SqliteCommand Make(string sql)
            {
                var cmd = Command(conn, null, sql);
                cmd.Parameters.AddWithValue("$t", tenant);
                if (cubeId is not null)
                {
                    cmd.Parameters.AddWithValue("$c", cubeId);
                }

                return cmd;
            }

            var byState = new Dictionary<LifecycleState, long>();
            using (var cmd = Make($"SELECT state, COUNT(*) FROM memories WHERE tenant = $t{cubeFilter} GROUP BY state;"))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    byState[(LifecycleState)r.GetInt32(0)] = r.GetInt64(1);
                }
            }

            var byKind = new Dictionary<MemoryKind, long>();
            using (var cmd = Make($"SELECT kind, COUNT(*) FROM memories WHERE tenant = $t{cubeFilter} AND state IN {LiveStatesSql} GROUP BY kind;"))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    byKind[(MemoryKind)r.GetInt32(0)] = r.GetInt64(1);
                }
            }

            using var cubes = Make(cubeId is null ? "SELECT COUNT(*) FROM cubes WHERE tenant = $t;" : "SELECT COUNT(*) FROM cubes WHERE tenant = $t AND id = $c;");
            using var versions = Make(cubeId is null
                ? "SELECT COUNT(*) FROM memory_versions WHERE tenant = $t;"
                : "SELECT COUNT(*) FROM memory_versions v JOIN memories m ON m.id = v.memory_id WHERE v.tenant = $t AND m.cube_id = $c;");
            using var audit = Make($"SELECT COUNT(*) FROM audit_log WHERE tenant = $t{cubeFilter};");
            using var size = Command(conn, null, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size();");
            return new StoreStats(
                Convert.ToInt32(cubes.ExecuteScalar(), CultureInfo.InvariantCulture),
                byState,
                byKind,
                Convert.ToInt64(versions.ExecuteScalar(), CultureInfo.InvariantCulture),
                Convert.ToInt64(audit.ExecuteScalar(), CultureInfo.InvariantCulture),
                Convert.ToInt64(size.ExecuteScalar(), CultureInfo.InvariantCulture));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(string tenant, MemoryId? memoryId = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await ReadAsync(conn =>
        {
            using var cmd = Command(conn, null, memoryId is null
                ? "SELECT at, tenant, user_id, agent_id, action, cube_id, memory_id, version, detail FROM audit_log WHERE tenant = $t ORDER BY seq LIMIT $n;"
                : "SELECT at, tenant, user_id, agent_id, action, cube_id, memory_id, version, detail FROM audit_log WHERE tenant = $t AND memory_id = $m ORDER BY seq LIMIT $n;");
            cmd.Parameters.AddWithValue("$t", tenant);
            cmd.Parameters.AddWithValue("$n", limit);
            if (memoryId is { } m)
            {
                cmd.Parameters.AddWithValue("$m", m.ToString());
            }

            using var r = cmd.ExecuteReader();
            var list = new List<AuditRecord>();
            while (r.Read())
            {
                list.Add(AuditRowReader.Read(r, SqlValues.ReadTime));
            }

            return (IReadOnlyList<AuditRecord>)list;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        if (!disposed)
        {
            disposed = true;
            writeGate.Dispose();

            // Pooled connections keep the file open; release them so the file can be moved or deleted.
            using var connection = new SqliteConnection(connectionString);
            SqliteConnection.ClearPool(connection);
        }

        return ValueTask.CompletedTask;
    }
}
