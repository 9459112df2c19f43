namespace AgentMem.Stores.Common;

/// <summary>
/// Builds a <see cref="MemCube"/> from a <c>cubes</c> row (tenant, id, name, owner_user, owner_agent, owner_session,
/// description, grants_json, policy_json, created_at, updated_at; JSON as text). The SQL stores differ only in how a
/// time column is read, which the caller supplies.
/// </summary>
internal static class CubeRowReader
{
    /// <summary>Reads the row at the reader's position.</summary>
    public static MemCube Read(DbDataReader r, Func<DbDataReader, int, DateTimeOffset> readTime)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        return new MemCube
        {
            Owner = new Scope(r.GetString(0), S(3), S(4), S(5)),
            Id = r.GetString(1),
            Name = r.GetString(2),
            Description = S(6),
            Grants = StoreJson.Deserialize<CubeGrant[]>(r.GetString(7)),
            Policy = StoreJson.Deserialize<CubePolicy>(r.GetString(8)),
            CreatedAt = readTime(r, 9),
            UpdatedAt = readTime(r, 10),
        };
    }
}
