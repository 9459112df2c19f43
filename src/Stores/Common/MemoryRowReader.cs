namespace AgentMem.Stores.Common;

/// <summary>
/// Builds a <see cref="MemoryItem"/> from a <c>memories</c> row. Both SQL stores select the same columns in the same
/// order (id, cube_id, tenant, user_id, … updated_at, valid_from_offset: 28 in all) with JSON as text; they differ only
/// in how a time column is read, which the caller supplies. Links are attached afterwards.
/// </summary>
/// <remarks>
/// A time column holds the instant alone (SQLite's UTC text, PostgreSQL's <c>timestamptz</c>), which keeps filters and
/// order on the instant. The event start keeps the offset it was given with beside it (<c>valid_from_offset</c>, minutes
/// east of UTC; SQLite's schema step 12, PostgreSQL's 10): the day it names is the speaker's, which the context shows and
/// relative times ("yesterday") are resolved against. A row written before that step has none and reads in UTC.
/// </remarks>
internal static class MemoryRowReader
{
    /// <summary>Number of columns a memory row has.</summary>
    public const int ColumnCount = 28;

    /// <summary>The most minutes an offset may be from UTC, as <see cref="DateTimeOffset"/> allows (14 hours).</summary>
    private const int MaxOffsetMinutes = 14 * 60;

    /// <summary>Reads the row at the reader's position, its columns starting at <paramref name="offset"/>.</summary>
    public static MemoryItem Read(DbDataReader r, int offset, Func<DbDataReader, int, DateTimeOffset> readTime)
    {
        string? Text(int i) => r.IsDBNull(offset + i) ? null : r.GetString(offset + i);
        DateTimeOffset? Time(int i) => r.IsDBNull(offset + i) ? null : readTime(r, offset + i);
        var validFrom = Time(14);
        if (validFrom is { } from && !r.IsDBNull(offset + 27))
        {
            validFrom = AtOffset(from, r.GetInt32(offset + 27), r.GetString(offset));
        }

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
            ValidFrom = validFrom,
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

    /// <summary>The <c>valid_from_offset</c> column's value for <paramref name="validFrom"/>: its offset in minutes, null without one.</summary>
    public static int? OffsetMinutes(DateTimeOffset? validFrom) => validFrom is { } v ? (int)v.Offset.TotalMinutes : null;

    // A stored offset is one a DateTimeOffset had, so only a damaged row holds one that is no offset, or one that takes the
    // time out of the calendar: a value that does not decode, which the SQLite store reports as the damaged row it is.
    private static DateTimeOffset AtOffset(DateTimeOffset instant, int minutes, string id)
    {
        long local = instant.UtcTicks + (minutes * TimeSpan.TicksPerMinute);
        if (minutes is < -MaxOffsetMinutes or > MaxOffsetMinutes || local < DateTime.MinValue.Ticks || local > DateTime.MaxValue.Ticks)
        {
            throw new FormatException($"Memory {id} is damaged: its event start {instant:O} has an offset of {minutes} minutes, which no date-time can have (at most 14 hours, within years 1 to 9999).");
        }

        return instant.ToOffset(TimeSpan.FromMinutes(minutes));
    }
}
