namespace AgentMem.Stores.Sqlite;

/// <summary>
/// Builds the WHERE clause over <c>memories m</c> for a <see cref="MemoryFilter"/>. The tenant condition
/// is always first and always present: this is where the tenant partition is enforced for reads.
/// </summary>
internal static class FilterSql
{
    public static void Append(StringBuilder sql, SqliteCommand cmd, string tenant, MemoryFilter filter)
    {
        sql.Append(" m.tenant = $f_tenant");
        cmd.Parameters.AddWithValue("$f_tenant", tenant);
        if (filter.CubeId is { } cube)
        {
            sql.Append(" AND m.cube_id = $f_cube");
            cmd.Parameters.AddWithValue("$f_cube", cube);
        }

        if (filter.States.Count > 0)
        {
            sql.Append(" AND m.state IN (");
            for (int i = 0; i < filter.States.Count; i++)
            {
                sql.Append(i == 0 ? string.Empty : ",").Append(((int)filter.States[i]).ToString(CultureInfo.InvariantCulture));
            }

            sql.Append(')');
        }

        AddEquals(sql, cmd, "m.user_id", "$f_user", filter.User);
        AddEquals(sql, cmd, "m.agent_id", "$f_agent", filter.Agent);
        AddEquals(sql, cmd, "m.session_id", "$f_session", filter.Session);
        if (filter.Kind is { } kind)
        {
            sql.Append(" AND m.kind = $f_kind");
            cmd.Parameters.AddWithValue("$f_kind", (int)kind);
        }

        if (filter.ValidFromOrAfter is { } after)
        {
            sql.Append(" AND m.valid_from >= $f_after");
            cmd.Parameters.AddWithValue("$f_after", SqlValues.Time(after));
        }

        if (filter.ValidFromBefore is { } before)
        {
            sql.Append(" AND m.valid_from < $f_before");
            cmd.Parameters.AddWithValue("$f_before", SqlValues.Time(before));
        }

        if (filter.AnyTags is { Count: > 0 } tags)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = m.id AND t.tenant = m.tenant AND t.tag IN (");
            for (int i = 0; i < tags.Count; i++)
            {
                string name = string.Create(CultureInfo.InvariantCulture, $"$f_tag{i}");
                sql.Append(i == 0 ? string.Empty : ",").Append(name);
                cmd.Parameters.AddWithValue(name, tags[i]);
            }

            sql.Append("))");
        }
    }

    private static void AddEquals(StringBuilder sql, SqliteCommand cmd, string column, string name, string? value)
    {
        if (value is not null)
        {
            sql.Append(" AND ").Append(column).Append(" = ").Append(name);
            cmd.Parameters.AddWithValue(name, value);
        }
    }
}
