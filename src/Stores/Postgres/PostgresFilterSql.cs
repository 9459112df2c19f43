namespace AgentMem.Stores.Postgres;

/// <summary>
/// Builds the WHERE clause over <c>memories m</c> for a <see cref="MemoryFilter"/>. The tenant condition is always first and
/// always present (row-level security repeats it in the database); every value is a parameter.
/// </summary>
internal static class PostgresFilterSql
{
    public static void Append(StringBuilder sql, NpgsqlCommand cmd, string tenant, MemoryFilter filter)
    {
        sql.Append(" m.tenant = @f_tenant");
        cmd.Parameters.AddWithValue("f_tenant", tenant);
        if (filter.CubeId is { } cube)
        {
            sql.Append(" AND m.cube_id = @f_cube");
            cmd.Parameters.AddWithValue("f_cube", cube);
        }

        if (filter.States.Count > 0)
        {
            sql.Append(" AND m.state = ANY(@f_states)");
            cmd.Parameters.AddWithValue("f_states", filter.States.Select(s => (int)s).ToArray());
        }

        AddEquals(sql, cmd, "m.user_id", "f_user", filter.User);
        AddEquals(sql, cmd, "m.agent_id", "f_agent", filter.Agent);
        AddEquals(sql, cmd, "m.session_id", "f_session", filter.Session);
        if (filter.Kind is { } kind)
        {
            sql.Append(" AND m.kind = @f_kind");
            cmd.Parameters.AddWithValue("f_kind", (int)kind);
        }

        if (filter.ValidFromOrAfter is { } after)
        {
            sql.Append(" AND m.valid_from >= @f_after");
            cmd.Parameters.AddWithValue("f_after", NpgsqlDbType.TimestampTz, PgValues.Time(after));
        }

        if (filter.ValidFromBefore is { } before)
        {
            sql.Append(" AND m.valid_from < @f_before");
            cmd.Parameters.AddWithValue("f_before", NpgsqlDbType.TimestampTz, PgValues.Time(before));
        }

        if (filter.AnyTags is { Count: > 0 } tags)
        {
            // Case-insensitive, as SQLite's COLLATE NOCASE tag column.
            sql.Append(" AND EXISTS (SELECT 1 FROM memory_tags t WHERE t.tenant = m.tenant AND t.memory_id = m.id AND lower(t.tag) IN (SELECT lower(x) FROM unnest(@f_tags) x))");
            cmd.Parameters.AddWithValue("f_tags", tags.ToArray());
        }
    }

    private static void AddEquals(StringBuilder sql, NpgsqlCommand cmd, string column, string name, string? value)
    {
        if (value is not null)
        {
            sql.Append(" AND ").Append(column).Append(" = @").Append(name);
            cmd.Parameters.AddWithValue(name, value);
        }
    }
}
