namespace AgentMem.Stores.Common;

/// <summary>
/// Builds an <see cref="AuditRecord"/> from an <c>audit_log</c> row (at, tenant, user_id, agent_id, action, cube_id,
/// memory_id, version, detail, seq). The SQL stores differ only in how the time column is read, which the caller supplies.
/// </summary>
internal static class AuditRowReader
{
    /// <summary>Reads the row at the reader's position.</summary>
    public static AuditRecord Read(DbDataReader r, Func<DbDataReader, int, DateTimeOffset> readTime)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        return new AuditRecord(readTime(r, 0), r.GetString(1), S(2), S(3), r.GetString(4), S(5), S(6), r.IsDBNull(7) ? null : r.GetInt32(7), S(8)) { Sequence = r.GetInt64(9) };
    }
}
