namespace AgentMem.Stores.Common;

/// <summary>
/// What the SQLite and PostgreSQL stores do alike, written once over ADO.NET (<see cref="DbConnection"/>,
/// <see cref="DbCommand"/>, <see cref="DbDataReader"/>): the same tables, the same statements (the dialect words what
/// differs), the same checks and the same steps in the same order. Each store brings its connections and transactions
/// (SQLite: one writer at a time, IMMEDIATE transactions; PostgreSQL: tenant-bound transactions, retries and the write
/// ledger), the error mapping that goes with them, and the few steps it does its own way.
/// </summary>
public abstract partial class SqlMemoryStore : IMemoryStore
{
    /// <summary>Active, Archived, Frozen: the states that hold content worth de-duplicating.</summary>
    private protected const string LiveStatesSql = "(0, 1, 3)";

    private const string AuditColumns = "at, tenant, user_id, agent_id, action, cube_id, memory_id, version, detail, seq";

    private readonly string memoryColumns;
    private readonly string cubeColumns;

    private protected SqlMemoryStore(SqlDialect dialect)
    {
        Dialect = dialect;
        memoryColumns = MemoryRows.Columns(dialect);
        cubeColumns = $"tenant, id, name, owner_user, owner_agent, owner_session, description, {dialect.JsonText("grants_json")}, {dialect.JsonText("policy_json")}, created_at, updated_at";
    }

    /// <summary>How this store's database words what the shared statements leave open.</summary>
    private protected SqlDialect Dialect { get; }

    /// <summary>Runs <paramref name="work"/> as a read of <paramref name="tenant"/>'s rows (a blank tenant matches nothing).</summary>
    private protected abstract Task<T> InReadAsync<T>(string tenant, SqlWork<T> work, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction of <paramref name="tenant"/> (a blank tenant is refused): any
    /// exception rolls everything back, and concurrent writes of the same rows never lose one another's changes.
    /// </summary>
    private protected abstract Task<T> InWriteAsync<T>(string tenant, SqlWork<T> work, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public async Task CreateCubeAsync(MemCube cube, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cube);
        await InWriteAsync(cube.Owner.Tenant, async (conn, tx, ct) =>
        {
            // Its id too: SQLite reports a primary-key clash as a plain constraint error, not as the cube being taken.
            using (var exists = Command(conn, tx, "SELECT 1 FROM cubes WHERE tenant = @t AND (name = @n OR id = @n OR id = @id);"))
            {
                Dialect.Add(exists, "@t", cube.Owner.Tenant);
                Dialect.Add(exists, "@n", cube.Name);
                Dialect.Add(exists, "@id", cube.Id);
                if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
                {
                    throw CubeTaken(cube);
                }
            }

            await InsertCubeAsync(conn, tx, cube, ct).ConfigureAwait(false);
            await InsertAuditAsync(conn, tx, cube.Owner.Tenant, audit, ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<MemCube?> FindCubeAsync(string tenant, string idOrName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idOrName);
        var found = await ReadStatementAsync(tenant, cmd =>
        {
            cmd.CommandText = $"SELECT {cubeColumns} FROM cubes WHERE tenant = @t AND (id = @k OR name = @k) ORDER BY id = @k DESC LIMIT 1;";
            Dialect.Add(cmd, "@t", tenant);
            Dialect.Add(cmd, "@k", idOrName);
        }, ReadCube, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemCube>> ListCubesAsync(string tenant, CancellationToken cancellationToken = default)
    {
        return await InReadAsync(tenant, (conn, tx, ct) =>
        {
            var cmd = Command(conn, tx, $"SELECT {cubeColumns} FROM cubes WHERE tenant = @t ORDER BY name;");
            Dialect.Add(cmd, "@t", tenant);
            return ReadAllAsync(cmd, ReadCube, ct);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<MemCube> UpdateCubeAsync(string tenant, string cubeId, Func<MemCube, MemCube> change, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cubeId);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(audit);
        try
        {
            return await UpdateCubeOnceAsync(tenant, cubeId, change, audit, cancellationToken).ConfigureAwait(false);
        }
        catch (CallerFault fault)
        {
            // The caller's exception, as thrown: not a damaged row, nor anything else the store would make of it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault.InnerException!);
            throw;
        }
    }

    private async Task<MemCube> UpdateCubeOnceAsync(string tenant, string cubeId, Func<MemCube, MemCube> change, AuditRecord audit, CancellationToken cancellationToken)
    {
        return await InWriteAsync(tenant, async (conn, tx, ct) =>
        {
            // The row is read (and, where writers run concurrently, locked) inside the write, so the change applies to the
            // cube as it is now: a change read earlier and written back whole undid another caller's (a revoked grant came back).
            var read = Command(conn, tx, $"SELECT {cubeColumns} FROM cubes WHERE tenant = @t AND id = @id{Dialect.LockRowsKeepingKey};");
            Dialect.Add(read, "@t", tenant);
            Dialect.Add(read, "@id", cubeId);
            var found = await ReadAllAsync(read, ReadCube, ct).ConfigureAwait(false);
            if (found.Count == 0)
            {
                throw new CubeNotFoundException($"No cube '{cubeId}' in tenant '{tenant}'.");
            }

            var stored = found[0];
            MemCube changed;
            try
            {
                changed = change(stored);
            }
            catch (Exception ex)
            {
                // Carried past the store's own handling (SQLite reports a FormatException inside a write as a damaged row).
                throw new CallerFault(ex);
            }

            var next = changed with { Id = stored.Id, Owner = stored.Owner, Name = stored.Name, CreatedAt = stored.CreatedAt };
            using var cmd = Command(conn, tx, """
                UPDATE cubes SET description = @d, grants_json = @g, policy_json = @p, updated_at = @m
                WHERE tenant = @t AND id = @id;
                """);
            BindCube(cmd, next);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await InsertAuditAsync(conn, tx, tenant, audit, ct).ConfigureAwait(false);
            return next;
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

        return await InWriteAsync<IReadOnlyList<AddOutcome>>(tenant, async (conn, tx, ct) =>
        {
            var cubes = items.Select(i => i.CubeId).Distinct(StringComparer.Ordinal).ToList();
            await PrepareAddAsync(conn, tx, tenant, cubes, ct).ConfigureAwait(false);

            var outcomes = new AddOutcome[items.Count];
            var created = new List<MemoryItem>(items.Count);
            var deduplication = new BatchDeduplication(options.MatchSourceRef);
            string sameSource = options.MatchSourceRef ? " AND (source_ref = @r OR (source_ref IS NULL AND @r IS NULL))" : string.Empty;
            using var findHash = Command(conn, tx, $"SELECT id FROM memories WHERE tenant = @t AND cube_id = @c AND content_hash = @h AND state IN {LiveStatesSql} AND (user_id = @u OR (user_id IS NULL AND @u IS NULL)) AND (agent_id = @a OR (agent_id IS NULL AND @a IS NULL)) AND (actor = @s OR (actor IS NULL AND @s IS NULL)){sameSource} LIMIT 1;");
            using var insert = Command(conn, tx, MemoryRows.InsertSql);
            for (int i = 0; i < items.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var item = items[i];
                if (await IsRepeatedAddAsync(conn, tx, tenant, item, ct).ConfigureAwait(false))
                {
                    outcomes[i] = new AddOutcome(item.Id, false);
                    continue;
                }

                if (options.Deduplicate && await deduplication.DuplicateAsync(item, FindStoredContentAsync).ConfigureAwait(false) is { } duplicate)
                {
                    outcomes[i] = duplicate;
                    continue;
                }

                MemoryRows.Bind(insert, Dialect, item);
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await WriteTagsAsync(conn, tx, tenant, item, ct).ConfigureAwait(false);
                await InsertAuditAsync(conn, tx, tenant, audit.ForAdded(item), ct).ConfigureAwait(false);
                created.Add(item);
                outcomes[i] = new AddOutcome(item.Id, true);
            }

            // Links last, once the whole batch is in, so its items may link to each other in either order.
            var batch = created.Select(c => c.Id).ToHashSet();
            var present = await FindPresentAsync(conn, tx, tenant, LinkTargets.Of(created).Except(batch), ct).ConfigureAwait(false);
            present.UnionWith(batch);
            foreach (var item in created)
            {
                LinkTargets.RequireSources(item, present.Contains);
                await WriteLinksAsync(conn, tx, tenant, LinkTargets.Keep(item, present.Contains), ct).ConfigureAwait(false);
            }

            if (LiveItemLimit.Applies(options))
            {
                foreach (string cube in cubes)
                {
                    long live = await CountLiveAsync(conn, tx, tenant, cube, ct).ConfigureAwait(false);
                    if (LiveItemLimit.Exceeded(live, options))
                    {
                        throw LiveItemLimit.Full(await CubeNameAsync(conn, tx, tenant, cube, ct).ConfigureAwait(false), live, options);
                    }
                }
            }

            return outcomes;

            async Task<MemoryId?> FindStoredContentAsync(MemoryItem item)
            {
                findHash.Parameters.Clear();
                Dialect.Add(findHash, "@t", tenant);
                Dialect.Add(findHash, "@c", item.CubeId);
                Dialect.Add(findHash, "@h", item.ContentHash);
                Dialect.AddText(findHash, "@u", item.Scope.User);
                Dialect.AddText(findHash, "@a", item.Scope.Agent);
                Dialect.AddText(findHash, "@s", item.Provenance.Actor);
                if (options.MatchSourceRef)
                {
                    Dialect.AddText(findHash, "@r", item.Provenance.SourceRef);
                }

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

        return await InReadAsync<IReadOnlyList<MemoryItem>>(tenant, async (conn, tx, ct) =>
        {
            // In chunks of the dialect's list length, in one read: SQLite refuses a statement of more than 32,766
            // parameters ("too many SQL variables"), and a purge or sweep may name tens of thousands of ids.
            var found = new List<MemoryItem>(ids.Count);
            foreach (var chunk in ids.Select(i => i.ToString()).Distinct(StringComparer.Ordinal).Chunk(Dialect.MaxListLength))
            {
                // The tenant is not what the planner should answer through (SQLite would scan the whole tenant for a few ids).
                using var cmd = Command(conn, tx, string.Empty);
                var sql = new StringBuilder($"SELECT {memoryColumns} FROM memories m WHERE {Dialect.Unindexed("m.tenant")} = @t AND ");
                Dialect.Add(cmd, "@t", tenant);
                Dialect.AppendIn(sql, cmd, "m.id", "@id", chunk);
                cmd.CommandText = sql.Append(';').ToString();
                found.AddRange(await ReadItemsAsync(conn, tx, cmd, tenant, ct).ConfigureAwait(false));
            }

            return RequestedOrder.Arrange(ids, found);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task ReplaceAsync(string tenant, MemoryItem superseded, MemoryItem next, AuditRecord audit, CancellationToken cancellationToken = default) =>
        ReplaceManyAsync(tenant, [new MemoryReplacement(superseded, next, audit)], cancellationToken);

    /// <inheritdoc/>
    public async Task ReplaceManyAsync(string tenant, IReadOnlyList<MemoryReplacement> replacements, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireReplacements(tenant, replacements);
        if (replacements.Count == 0)
        {
            return;
        }

        await InWriteAsync(tenant, async (conn, tx, ct) =>
        {
            // The updates, snapshots and audit lines go to the database together (one round trip per few hundred on
            // PostgreSQL); tags and links only where a version changed them.
            using var writes = new SqlStatementBatch(conn, tx);
            var present = await FindPresentAsync(conn, tx, tenant, LinkTargets.Of(replacements.SelectMany(r => new[] { r.Superseded, r.Next })), ct).ConfigureAwait(false);
            foreach (var replacement in replacements)
            {
                // Both versions lose their links to memories purged since the writer read them: the snapshot and the links
                // rows would otherwise bring them back, with reasons in the purged memory's words.
                var superseded = LinkTargets.Keep(replacement.Superseded, present.Contains);
                var next = LinkTargets.Keep(replacement.Next, present.Contains);
                var audit = replacement.Audit;
                // The version check in the WHERE is the optimistic lock: of two writers of the same version, the second
                // finds the version moved on (after waiting for the first's row lock, where the database locks rows) and
                // updates nothing; the exception rolls the whole transaction back.
                var update = writes.Add(
                    $"UPDATE memories SET {MemoryRows.MutableAssignments} WHERE tenant = @tenant AND id = @id AND version = @expected;",
                    () => new MemoryVersionConflictException($"Memory {next.Id} changed while this write was being made: another writer stored a version after version {superseded.Version}, the one this write read; read it again and retry."));
                MemoryRows.Bind(update, Dialect, next);
                Dialect.Add(update, "@expected", superseded.Version);

                // Sent with the update, so it cannot wait for the update's count: when a concurrent writer got there
                // first, its snapshot of this version is already in, this one is skipped, and the count rolls back.
                BindSnapshot(writes.Add(InsertSnapshotIfAbsentSql), tenant, superseded, next.UpdatedAt);
                if (replacement.AbsorbsRecallsOf is { } from)
                {
                    // Read after the update has run: both rows are this transaction's now, their counters as committed.
                    await writes.FlushAsync(ct).ConfigureAwait(false);
                    await AbsorbRecallsAsync(conn, tx, tenant, next.Id, from, ct).ConfigureAwait(false);
                }

                // Tags and links live in rows of their own, written from the version: one that keeps them (a state
                // change, most evolutions) leaves those rows as they are. One that changes them runs the update first,
                // so a concurrent writer of the memory is waited for on its row and refused before its rows are touched.
                bool tagsChange = !superseded.Tags.SequenceEqual(next.Tags, StringComparer.Ordinal);
                bool linksChange = !superseded.Links.SequenceEqual(next.Links);
                if (tagsChange || linksChange)
                {
                    await writes.FlushAsync(ct).ConfigureAwait(false);
                }

                if (tagsChange)
                {
                    await DeleteWhereAsync(conn, tx, "memory_tags", "memory_id", tenant, next.Id, ct).ConfigureAwait(false);
                    await WriteTagsAsync(conn, tx, tenant, next, ct).ConfigureAwait(false);
                }

                if (linksChange)
                {
                    await DeleteWhereAsync(conn, tx, "memory_links", "source_id", tenant, next.Id, ct).ConfigureAwait(false);
                    await WriteLinksAsync(conn, tx, tenant, next, ct).ConfigureAwait(false);
                }

                await AuditInBatchAsync(writes, conn, tx, tenant, audit, ct).ConfigureAwait(false);
                await writes.FlushIfFullAsync(ct).ConfigureAwait(false);
            }

            await writes.FlushAsync(ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, CancellationToken cancellationToken = default)
    {
        return await InReadAsync<IReadOnlyList<MemoryItem>>(tenant, async (conn, tx, ct) =>
        {
            using var current = Command(conn, tx, $"SELECT {memoryColumns} FROM memories m WHERE {Dialect.Unindexed("m.tenant")} = @t AND m.id = @id;");
            Dialect.Add(current, "@t", tenant);
            Dialect.Add(current, "@id", id.ToString());
            var now = await ReadItemsAsync(conn, tx, current, tenant, ct).ConfigureAwait(false);
            if (now.Count == 0)
            {
                return [];
            }

            var cmd = Command(conn, tx, $"SELECT {Dialect.JsonText("snapshot_json")} FROM memory_versions WHERE tenant = @t AND memory_id = @id ORDER BY version;");
            Dialect.Add(cmd, "@t", tenant);
            Dialect.Add(cmd, "@id", id.ToString());
            return VersionHistory.Assemble(await ReadAllAsync(cmd, r => r.GetString(0), ct).ConfigureAwait(false), now[0]);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryItem>> GetHistoryAsync(string tenant, MemoryId id, long afterVersion, int limit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireHistoryPage(afterVersion, limit);
        return await InReadAsync<IReadOnlyList<MemoryItem>>(tenant, async (conn, tx, ct) =>
        {
            using var current = Command(conn, tx, $"SELECT {memoryColumns} FROM memories m WHERE {Dialect.Unindexed("m.tenant")} = @t AND m.id = @id;");
            Dialect.Add(current, "@t", tenant);
            Dialect.Add(current, "@id", id.ToString());
            var now = await ReadItemsAsync(conn, tx, current, tenant, ct).ConfigureAwait(false);
            if (now.Count == 0 || now[0].Version <= afterVersion)
            {
                return [];
            }

            // The superseded versions are the snapshots; the current one closes the page when the page reaches it.
            var cmd = Command(conn, tx, $"SELECT {Dialect.JsonText("snapshot_json")} FROM memory_versions WHERE tenant = @t AND memory_id = @id AND version > @after ORDER BY version LIMIT @n;");
            Dialect.Add(cmd, "@t", tenant);
            Dialect.Add(cmd, "@id", id.ToString());
            Dialect.Add(cmd, "@after", afterVersion);
            Dialect.Add(cmd, "@n", limit);
            var versions = VersionHistory.Assemble(await ReadAllAsync(cmd, r => r.GetString(0), ct).ConfigureAwait(false), now[0]);
            return versions.Count > limit ? versions[..limit] : versions;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<MemoryItem>> ListAsync(string tenant, MemoryFilter filter, int limit, MemoryId? after = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await InReadAsync<IReadOnlyList<MemoryItem>>(tenant, async (conn, tx, ct) =>
        {
            var candidates = await RareTaggedIdsAsync(conn, tx, tenant, filter, ct).ConfigureAwait(false);
            if (candidates is not null && after is { } from)
            {
                // The cursor applied to the candidates, not in SQL: given a range on the id, SQLite walks the cube from the
                // cursor in id order instead of looking the candidates up (ids compare byte-wise in both stores).
                string fromId = from.ToString();
                candidates = [.. candidates.Where(id => string.CompareOrdinal(id, fromId) > 0)];
            }

            if (candidates is { Count: 0 })
            {
                return [];
            }

            using var cmd = Command(conn, tx, string.Empty);
            var sql = new StringBuilder($"SELECT {memoryColumns} FROM memories m WHERE");
            FilterSql.Append(sql, cmd, Dialect, tenant, filter, candidates);
            if (after is { } cursor && candidates is null)
            {
                sql.Append(" AND m.id > @after");
                Dialect.Add(cmd, "@after", cursor.ToString());
            }

            sql.Append(" ORDER BY m.id LIMIT @limit;");
            Dialect.Add(cmd, "@limit", limit);
            cmd.CommandText = sql.ToString();
            return await ReadItemsAsync(conn, tx, cmd, tenant, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Each term is matched as a phrase and the terms are OR-ed. SQLite ranks by FTS5's BM25 with column weights (text
    /// 1.0, actor 0.6, tags and keywords 0.8, context 0.4); PostgreSQL by BM25 computed in SQL over English full-text search
    /// (stemming, stop words dropped): each matched term's inverse document frequency among the filtered memories times its
    /// occurrence count with the same weights, saturated and normalised by the memory's word count. Higher is better in both; the scores of the
    /// two stores are not comparable.
    /// </remarks>
    public async Task<IReadOnlyList<LexicalMatch>> SearchLexicalAsync(string tenant, LexicalQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var terms = SearchTerms.Distinct(query.Terms);
        if (terms.Count == 0)
        {
            return [];
        }

        return await InReadAsync<IReadOnlyList<LexicalMatch>>(tenant, async (conn, tx, ct) =>
        {
            using var cmd = Command(conn, tx, string.Empty);
            var filter = new StringBuilder();
            FilterSql.Append(filter, cmd, Dialect, tenant, query.Filter);
            var sql = new StringBuilder();
            Dialect.AppendLexicalSearch(sql, cmd, memoryColumns, terms, filter.ToString());
            Dialect.Add(cmd, "@limit", query.Limit);
            cmd.CommandText = sql.ToString();
            var scores = new List<double>();
            var items = await ReadItemsAsync(conn, tx, cmd, tenant, ct, r => scores.Add(r.GetDouble(MemoryRows.ColumnCount))).ConfigureAwait(false);
            return LexicalMatches.Pair(items, scores);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<StoreStats> GetStatsAsync(string tenant, string? cubeId, CancellationToken cancellationToken = default)
    {
        return await InReadAsync(tenant, async (conn, tx, ct) =>
        {
            string cubeFilter = cubeId is null ? string.Empty : " AND cube_id = @c";
            DbCommand Make(string sql)
            {
                var cmd = Command(conn, tx, sql);
                Dialect.Add(cmd, "@t", tenant);
                if (cubeId is not null)
                {
                    Dialect.Add(cmd, "@c", cubeId);
                }

                return cmd;
            }

            async Task<long> CountAsync(string sql)
            {
                using var cmd = Make(sql);
                return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            var byState = (await ReadAllAsync(Make($"SELECT state, count(*) FROM memories WHERE tenant = @t{cubeFilter} GROUP BY state;"), r => ((LifecycleState)r.GetInt32(0), r.GetInt64(1)), ct).ConfigureAwait(false))
                .ToDictionary();
            var byKind = (await ReadAllAsync(Make($"SELECT kind, count(*) FROM memories WHERE tenant = @t{cubeFilter} AND state IN {LiveStatesSql} GROUP BY kind;"), r => ((MemoryKind)r.GetInt32(0), r.GetInt64(1)), ct).ConfigureAwait(false))
                .ToDictionary();
            long cubes = await CountAsync(cubeId is null ? "SELECT count(*) FROM cubes WHERE tenant = @t;" : "SELECT count(*) FROM cubes WHERE tenant = @t AND id = @c;").ConfigureAwait(false);
            long versions = await CountAsync(cubeId is null
                ? "SELECT count(*) FROM memory_versions WHERE tenant = @t;"
                : $"SELECT count(*) FROM memory_versions v JOIN memories m ON {Dialect.OfMemory("v")} WHERE v.tenant = @t AND m.cube_id = @c;").ConfigureAwait(false);
            long audits = await CountAsync($"SELECT count(*) FROM audit_log WHERE tenant = @t{cubeFilter};").ConfigureAwait(false);
            return new StoreStats((int)cubes, byState, byKind, versions, audits, await StorageBytesAsync(conn, tx, tenant, ct).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(string tenant, AuditQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new AuditQuery();
        query.Validate();
        return await InReadAsync(tenant, (conn, tx, ct) =>
        {
            var cmd = Command(conn, tx, string.Concat(
                $"SELECT {AuditColumns} FROM audit_log WHERE tenant = @t AND seq > @after",
                query.MemoryId is null ? string.Empty : " AND memory_id = @m",
                query.CubeId is null ? string.Empty : " AND cube_id = @c",
                " ORDER BY seq LIMIT @n;"));
            Dialect.Add(cmd, "@t", tenant);
            Dialect.Add(cmd, "@after", query.After);
            Dialect.Add(cmd, "@n", query.Limit);
            if (query.MemoryId is { } m)
            {
                Dialect.Add(cmd, "@m", m.ToString());
            }

            if (query.CubeId is { } c)
            {
                Dialect.Add(cmd, "@c", c);
            }

            return ReadAllAsync<AuditRecord>(cmd, r => AuditRowReader.Read(r, Dialect.ReadTime), ct);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public abstract Task<long> GetChangeSequenceAsync(string tenant, string cubeId, CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public abstract Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<MemoryId>? ids, CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public async Task PutEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<StoredEmbedding> embeddings, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireEmbeddingWrite(cubeId, embedder, embeddings);
        if (embeddings.Count == 0)
        {
            return;
        }

        await WriteEmbeddingsAsync(tenant, cubeId, embedder, embeddings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a non-empty batch of embeddings (checked) for the memories still in the cube, the last of a memory in the
    /// batch winning; a memory purged meanwhile, by any writer, must not get one back.
    /// </summary>
    private protected abstract Task WriteEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<StoredEmbedding> embeddings, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract ValueTask DisposeAsync();

    /// <summary>An exception of the caller's <see cref="UpdateCubeAsync"/> change, on its way out of the write to be rethrown as it was.</summary>
    private sealed class CallerFault(Exception inner) : Exception(inner.Message, inner);
}
