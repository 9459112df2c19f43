namespace AgentMem.Stores.Postgres;

/// <summary>Maps <see cref="MemoryItem"/> to and from the <c>memories</c> table (same columns as SQLite's, native types).</summary>
internal static class PostgresMemoryRows
{
    /// <summary>Column list for SELECTs over <c>memories m</c>; <see cref="Read"/> depends on this order.</summary>
    public const string Columns = """
        m.id, m.cube_id, m.tenant, m.user_id, m.agent_id, m.session_id, m.kind, m.text, m.payload_json::text,
        m.content_hash, m.source_kind, m.source_ref, m.actor, m.recorded_at, m.valid_from, m.valid_to,
        m.version, m.state, m.state_reason, m.tags_json::text, m.keywords_json::text, m.context, m.importance,
        m.strength, m.last_recalled_at, m.recall_count, m.updated_at
        """;

    /// <summary>Number of columns in <see cref="Columns"/>.</summary>
    public const int ColumnCount = MemoryRowReader.ColumnCount;

    /// <summary>Assignments of every column that a new version may change (for UPDATE).</summary>
    public const string MutableAssignments = """
        text = @text, payload_json = @payload, content_hash = @hash, valid_from = @valid_from,
        valid_to = @valid_to, version = @version, state = @state, state_reason = @state_reason,
        tags_json = @tags, keywords_json = @keywords, context = @context, importance = @importance,
        strength = @strength, last_recalled_at = @last_recalled, recall_count = @recall_count,
        updated_at = @updated_at
        """;

    public const string InsertSql = """
        INSERT INTO memories(tenant, id, cube_id, user_id, agent_id, session_id, kind, text, payload_json,
            content_hash, source_kind, source_ref, actor, recorded_at, valid_from, valid_to, version, state,
            state_reason, tags_json, keywords_json, context, importance, strength, last_recalled_at,
            recall_count, updated_at)
        VALUES (@tenant, @id, @cube, @user, @agent, @session, @kind, @text, @payload, @hash, @source_kind,
            @source_ref, @actor, @recorded_at, @valid_from, @valid_to, @version, @state, @state_reason, @tags,
            @keywords, @context, @importance, @strength, @last_recalled, @recall_count, @updated_at);
        """;

    /// <summary>Binds every column of <paramref name="item"/> as named parameters (clearing the command's others).</summary>
    public static void Bind(NpgsqlCommand cmd, MemoryItem item)
    {
        var p = cmd.Parameters;
        p.Clear();
        p.AddWithValue("tenant", item.Scope.Tenant);
        p.AddWithValue("id", item.Id.ToString());
        p.AddWithValue("cube", item.CubeId);
        p.AddWithValue("user", NpgsqlDbType.Text, PgValues.OrNull(item.Scope.User));
        p.AddWithValue("agent", NpgsqlDbType.Text, PgValues.OrNull(item.Scope.Agent));
        p.AddWithValue("session", NpgsqlDbType.Text, PgValues.OrNull(item.Scope.Session));
        p.AddWithValue("kind", (int)item.Kind);
        p.AddWithValue("text", item.Text);
        p.AddWithValue("payload", NpgsqlDbType.Jsonb, item.Payload is null ? DBNull.Value : StoreJson.Serialize(item.Payload));
        p.AddWithValue("hash", item.ContentHash);
        p.AddWithValue("source_kind", (int)item.Provenance.Source);
        p.AddWithValue("source_ref", NpgsqlDbType.Text, PgValues.OrNull(item.Provenance.SourceRef));
        p.AddWithValue("actor", NpgsqlDbType.Text, PgValues.OrNull(item.Provenance.Actor));
        p.AddWithValue("recorded_at", NpgsqlDbType.TimestampTz, PgValues.Time(item.Provenance.RecordedAt));
        p.AddWithValue("valid_from", NpgsqlDbType.TimestampTz, PgValues.TimeOrNull(item.ValidFrom));
        p.AddWithValue("valid_to", NpgsqlDbType.TimestampTz, PgValues.TimeOrNull(item.ValidTo));
        p.AddWithValue("version", item.Version);
        p.AddWithValue("state", (int)item.State);
        p.AddWithValue("state_reason", NpgsqlDbType.Text, PgValues.OrNull(item.StateReason));
        p.AddWithValue("tags", NpgsqlDbType.Jsonb, StoreJson.Serialize(item.Tags));
        p.AddWithValue("keywords", NpgsqlDbType.Jsonb, StoreJson.Serialize(item.Keywords));
        p.AddWithValue("context", NpgsqlDbType.Text, PgValues.OrNull(item.Context));
        p.AddWithValue("importance", item.Importance);
        p.AddWithValue("strength", item.Strength);
        p.AddWithValue("last_recalled", NpgsqlDbType.TimestampTz, PgValues.TimeOrNull(item.LastRecalledAt));
        p.AddWithValue("recall_count", item.RecallCount);
        p.AddWithValue("updated_at", NpgsqlDbType.TimestampTz, PgValues.Time(item.UpdatedAt));
    }

    /// <summary>Reads the row at the reader's position (columns as in <see cref="Columns"/>); links are added later.</summary>
    public static MemoryItem Read(NpgsqlDataReader r) => MemoryRowReader.Read(r, 0, PgValues.ReadTime);
}
