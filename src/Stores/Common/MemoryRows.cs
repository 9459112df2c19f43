namespace AgentMem.Stores.Common;

/// <summary>
/// Maps <see cref="MemoryItem"/> to and from the <c>memories</c> table, the same columns in both SQL stores (SQLite keeps
/// times and JSON as text, PostgreSQL as <c>timestamptz</c> and <c>jsonb</c>: the dialect binds and reads them).
/// </summary>
internal static class MemoryRows
{
    /// <summary>Number of columns in <see cref="Columns"/>.</summary>
    public const int ColumnCount = MemoryRowReader.ColumnCount;

    /// <summary>
    /// Assignments of every column that a new version may change (for UPDATE). Not the recall counters (strength, last
    /// recall, count): recalls change them in place without a new version, so a version written from an earlier read
    /// would otherwise undo a recall made in between.
    /// </summary>
    public const string MutableAssignments = """
        text = @text, payload_json = @payload, content_hash = @hash, valid_from = @valid_from,
        valid_from_offset = @valid_from_offset, valid_to = @valid_to, version = @version, state = @state, state_reason = @state_reason,
        tags_json = @tags, keywords_json = @keywords, context = @context, importance = @importance,
        updated_at = @updated_at
        """;

    public const string InsertSql = """
        INSERT INTO memories(tenant, id, cube_id, user_id, agent_id, session_id, kind, text, payload_json,
            content_hash, source_kind, source_ref, actor, recorded_at, valid_from, valid_to, version, state,
            state_reason, tags_json, keywords_json, context, importance, strength, last_recalled_at,
            recall_count, updated_at, valid_from_offset)
        VALUES (@tenant, @id, @cube, @user, @agent, @session, @kind, @text, @payload, @hash, @source_kind,
            @source_ref, @actor, @recorded_at, @valid_from, @valid_to, @version, @state, @state_reason, @tags,
            @keywords, @context, @importance, @strength, @last_recalled, @recall_count, @updated_at, @valid_from_offset);
        """;

    /// <summary>Column list for SELECTs over <c>memories m</c>, JSON read as text; <see cref="MemoryRowReader"/> depends on this order.</summary>
    public static string Columns(SqlDialect d) => $"""
        m.id, m.cube_id, m.tenant, m.user_id, m.agent_id, m.session_id, m.kind, m.text, {d.JsonText("m.payload_json")},
        m.content_hash, m.source_kind, m.source_ref, m.actor, m.recorded_at, m.valid_from, m.valid_to,
        m.version, m.state, m.state_reason, {d.JsonText("m.tags_json")}, {d.JsonText("m.keywords_json")}, m.context, m.importance,
        m.strength, m.last_recalled_at, m.recall_count, m.updated_at, m.valid_from_offset
        """;

    /// <summary>Binds every column of <paramref name="item"/> as named parameters (clearing the command's others).</summary>
    public static void Bind(DbCommand cmd, SqlDialect d, MemoryItem item)
    {
        cmd.Parameters.Clear();
        d.Add(cmd, "@tenant", item.Scope.Tenant);
        d.Add(cmd, "@id", item.Id.ToString());
        d.Add(cmd, "@cube", item.CubeId);
        d.AddText(cmd, "@user", item.Scope.User);
        d.AddText(cmd, "@agent", item.Scope.Agent);
        d.AddText(cmd, "@session", item.Scope.Session);
        d.Add(cmd, "@kind", (int)item.Kind);
        d.Add(cmd, "@text", item.Text);
        d.AddJson(cmd, "@payload", item.Payload is null ? null : StoreJson.Serialize(item.Payload));
        d.Add(cmd, "@hash", item.ContentHash);
        d.Add(cmd, "@source_kind", (int)item.Provenance.Source);
        d.AddText(cmd, "@source_ref", item.Provenance.SourceRef);
        d.AddText(cmd, "@actor", item.Provenance.Actor);
        d.AddTime(cmd, "@recorded_at", item.Provenance.RecordedAt);
        d.AddTime(cmd, "@valid_from", item.ValidFrom);
        d.AddNumber(cmd, "@valid_from_offset", MemoryRowReader.OffsetMinutes(item.ValidFrom));
        d.AddTime(cmd, "@valid_to", item.ValidTo);
        d.Add(cmd, "@version", item.Version);
        d.Add(cmd, "@state", (int)item.State);
        d.AddText(cmd, "@state_reason", item.StateReason);
        d.AddJson(cmd, "@tags", StoreJson.SerializeLabels(item.Tags));
        d.AddJson(cmd, "@keywords", StoreJson.SerializeLabels(item.Keywords));
        d.AddText(cmd, "@context", item.Context);
        d.Add(cmd, "@importance", item.Importance);
        d.Add(cmd, "@strength", item.Strength);
        d.AddTime(cmd, "@last_recalled", item.LastRecalledAt);
        d.Add(cmd, "@recall_count", item.RecallCount);
        d.AddTime(cmd, "@updated_at", item.UpdatedAt);
    }

    /// <summary>Reads the row at the reader's position (columns as in <see cref="Columns"/>); links are added later.</summary>
    public static MemoryItem Read(DbDataReader r, SqlDialect d) => MemoryRowReader.Read(r, 0, d.ReadTime);
}
