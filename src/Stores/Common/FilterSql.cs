namespace AgentMem.Stores.Common;

/// <summary>
/// Builds the WHERE clause over <c>memories m</c> for a <see cref="MemoryFilter"/>. The tenant condition is always first
/// and always present: this is where the tenant partition is enforced for reads (PostgreSQL's row-level security repeats
/// it in the database). Every value a caller chose is a parameter.
/// </summary>
internal static class FilterSql
{
    /// <param name="sql">The statement so far, ending in <c>WHERE</c>.</param>
    /// <param name="cmd">The command the parameters go to.</param>
    /// <param name="d">The dialect.</param>
    /// <param name="tenant">The tenant read.</param>
    /// <param name="filter">The filter.</param>
    /// <param name="candidateIds">
    /// When given, the memories are also limited to these ids (a superset of the filter's matches, such as the memories
    /// carrying a rare tag), so the database looks them up by id instead of walking the cube; the filter still applies whole.
    /// </param>
    public static void Append(StringBuilder sql, DbCommand cmd, SqlDialect d, string tenant, MemoryFilter filter, IReadOnlyList<string>? candidateIds = null)
    {
        sql.Append(" m.tenant = @f_tenant");
        d.Add(cmd, "@f_tenant", tenant);
        if (candidateIds is not null)
        {
            d.AppendIn(sql.Append(" AND "), cmd, "m.id", "@f_ids", candidateIds);
        }

        AddEquals(sql, cmd, d, "m.cube_id", "@f_cube", filter.CubeId);
        if (filter.States.Count > 0)
        {
            d.AppendIn(sql.Append(" AND "), cmd, "m.state", "@f_states", [.. filter.States.Select(s => (int)s)]);
        }

        AddEquals(sql, cmd, d, "m.user_id", "@f_user", filter.User);
        AddEquals(sql, cmd, d, "m.agent_id", "@f_agent", filter.Agent);
        AddEquals(sql, cmd, d, "m.session_id", "@f_session", filter.Session);
        if (filter.Kind is { } kind)
        {
            sql.Append(" AND m.kind = @f_kind");
            d.Add(cmd, "@f_kind", (int)kind);
        }

        if (filter.ValidFromOrAfter is { } after)
        {
            sql.Append(" AND m.valid_from >= @f_after");
            d.AddTime(cmd, "@f_after", after);
        }

        if (filter.ValidFromBefore is { } before)
        {
            sql.Append(" AND m.valid_from < @f_before");
            d.AddTime(cmd, "@f_before", before);
        }

        if (filter.AnyTags is { Count: > 0 } tags)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM memory_tags t WHERE t.tenant = m.tenant AND t.memory_id = m.id AND ");
            d.AppendTagIn(sql, cmd, "t", "@f_tag", tags);
            sql.Append(')');
        }
    }

    private static void AddEquals(StringBuilder sql, DbCommand cmd, SqlDialect d, string column, string name, string? value)
    {
        if (value is not null)
        {
            sql.Append(" AND ").Append(column).Append(" = ").Append(name);
            d.Add(cmd, name, value);
        }
    }
}
