namespace AgentMem.Stores.Common;

/// <summary>
/// Builds a <see cref="MemoryItem"/> from a <c>memories</c> row. Both SQL stores select the same columns in the same
/// order (id, cube_id, tenant, user_id, … updated_at: 27 in all) with JSON as text; they differ only in how a time
/// column is read, which the caller supplies. Links are attached afterwards.
/// </summary>
internal static class MemoryRowReader
{
    /// <summary>Number of columns a memory row has.</summary>
    public const int ColumnCount = 27;

    /// <summary>Reads the row at the reader's position, its columns starting at <paramref name="offset"/>.</summary>
    public static MemoryItem Read(DbDataReader r, int offset, Func<DbDataReader, int, DateTimeOffset> readTime)
    {
        string? Text(int i) => r.IsDBNull(offset + i) ? null : r.GetString(offset + i);
        DateTimeOffset? Time(int i) => r.IsDBNull(offset + i) ? null : readTime(r, offset + i);

        return new MemoryItem
        {
            Id = MemoryId.Parse(r.GetString(offset)),
            CubeId = r.GetString(offset + 1),
            Scope = new Scope(r.GetString(offset + 2), Text(3), Text(4), Text(5)),
            Kind = (MemoryKind)r.GetInt32(offset + 6),
            Text = r.GetString(offset + 7),
            Payload = Text(8) is { } payload ? StoreJson.Deserialize<PayloadRef>(payload) : null,
            ContentHash = r.GetString(offset + 9),
            Provenance = new Provenance((SourceKind)r.GetInt32(offset + 10), Text(11), Text(12), readTime(r, offset + 13)),
            ValidFrom = Time(14),
            ValidTo = Time(15),
            Version = r.GetInt32(offset + 16),
            State = (LifecycleState)r.GetInt32(offset + 17),
            StateReason = Text(18),
            Tags = StoreJson.Deserialize<string[]>(r.GetString(offset + 19)),
            Keywords = StoreJson.Deserialize<string[]>(r.GetString(offset + 20)),
            Context = Text(21),
            Importance = r.GetDouble(offset + 22),
            Strength = r.GetDouble(offset + 23),
            LastRecalledAt = Time(24),
            RecallCount = r.GetInt32(offset + 25),
            UpdatedAt = readTime(r, offset + 26),
        };
    }
}
