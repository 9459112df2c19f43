namespace AgentMem.Stores.Sqlite;

/// <summary>Maps <see cref="MemoryItem"/> to and from the <c>memories</c> table.</summary>
internal static class MemoryRows
{
    /// <summary>Column list for SELECTs over <c>memories m</c>; <see cref="Read"/> depends on this order.</summary>
    public const string Columns = """
        m.id, m.cube_id, m.tenant, m.user_id, m.agent_id, m.session_id, m.kind, m.text, m.payload_json,
        m.content_hash, m.source_kind, m.source_ref, m.actor, m.recorded_at, m.valid_from, m.valid_to,
        m.version, m.state, m.state_reason, m.tags_json, m.keywords_json, m.context, m.importance,
        m.strength, m.last_recalled_at, m.recall_count, m.updated_at
        """;

    /// <summary>Number of columns in <see cref="Columns"/>.</summary>
    public const int ColumnCount = MemoryRowReader.ColumnCount;

    /// <summary>Assignments of every column that a new version may change (for UPDATE).</summary>
    public const string MutableAssignments = """
        text = $text, payload_json = $payload, content_hash = $hash, valid_from = $valid_from,
        valid_to = $valid_to, version = $version, state = $state, state_reason = $state_reason,
        tags_json = $tags, keywords_json = $keywords, context = $context, importance = $importance,
        strength = $strength, last_recalled_at = $last_recalled, recall_count = $recall_count,
        updated_at = $updated_at
        """;

    public const string InsertSql = """
        INSERT INTO memories(tenant, id, cube_id, user_id, agent_id, session_id, kind, text, payload_json,
            content_hash, source_kind, source_ref, actor, recorded_at, valid_from, valid_to, version, state,
            state_reason, tags_json, keywords_json, context, importance, strength, last_recalled_at,
            recall_count, updated_at)
        VALUES ($tenant, $id, $cube, $user, $agent, $session, $kind, $text, $payload, $hash, $source_kind,
            $source_ref, $actor, $recorded_at, $valid_from, $valid_to, $version, $state, $state_reason, $tags,
            $keywords, $context, $importance, $strength, $last_recalled, $recall_count, $updated_at);
        """;

    /// <summary>Binds every column of <paramref name="item"/> as named parameters.</summary>
    public static void Bind(SqliteCommand cmd, MemoryItem item)
    {
        var p = cmd.Parameters;
        p.Clear();
        p.AddWithValue("$tenant", item.Scope.Tenant);
        p.AddWithValue("$id", item.Id.ToString());
        p.AddWithValue("$cube", item.CubeId);
        p.AddWithValue("$user", SqlValues.OrNull(item.Scope.User));
        p.AddWithValue("$agent", SqlValues.OrNull(item.Scope.Agent));
        p.AddWithValue("$session", SqlValues.OrNull(item.Scope.Session));
        p.AddWithValue("$kind", (int)item.Kind);
        p.AddWithValue("$text", item.Text);
        p.AddWithValue("$payload", item.Payload is null ? DBNull.Value : StoreJson.Serialize(item.Payload));
        p.AddWithValue("$hash", item.ContentHash);
        p.AddWithValue("$source_kind", (int)item.Provenance.Source);
        p.AddWithValue("$source_ref", SqlValues.OrNull(item.Provenance.SourceRef));
        p.AddWithValue("$actor", SqlValues.OrNull(item.Provenance.Actor));
        p.AddWithValue("$recorded_at", SqlValues.Time(item.Provenance.RecordedAt));
        p.AddWithValue("$valid_from", SqlValues.TimeOrNull(item.ValidFrom));
        p.AddWithValue("$valid_to", SqlValues.TimeOrNull(item.ValidTo));
        p.AddWithValue("$version", item.Version);
        p.AddWithValue("$state", (int)item.State);
        p.AddWithValue("$state_reason", SqlValues.OrNull(item.StateReason));
        p.AddWithValue("$tags", StoreJson.Serialize(item.Tags));
        p.AddWithValue("$keywords", StoreJson.Serialize(item.Keywords));
        p.AddWithValue("$context", SqlValues.OrNull(item.Context));
        p.AddWithValue("$importance", item.Importance);
        p.AddWithValue("$strength", item.Strength);
        p.AddWithValue("$last_recalled", SqlValues.TimeOrNull(item.LastRecalledAt));
        p.AddWithValue("$recall_count", item.RecallCount);
        p.AddWithValue("$updated_at", SqlValues.Time(item.UpdatedAt));
    }

    /// <summary>Reads the row at the reader's position (columns as in <see cref="Columns"/>, from <paramref name="offset"/>); links are added later.</summary>
    public static MemoryItem Read(SqliteDataReader r, int offset = 0) => MemoryRowReader.Read(r, offset, SqlValues.ReadTime);
}
