namespace AgentMem.MemoryCore.Time;

/// <summary>
/// The facade's clock, and the precision of every time it stores: whole microseconds, which every store keeps (PostgreSQL's
/// timestamptz holds no finer; SQLite and the in-memory store keep .NET's 100 ns ticks). The facade stamps writes with this
/// clock and takes a caller's times (<see cref="MemoryDraft.ValidFrom"/>, <see cref="MemoryChange.ValidTo"/>, a supersede's
/// end) through <see cref="Of(DateTimeOffset)"/>, so the memory it returns is the memory stored, on every store alike, and a
/// caller sending back a time it was given (<see cref="DateTimeOffset.UtcNow"/> has ticks) changes nothing.
/// </summary>
/// <param name="clock">The clock read; timers and timestamps are its own.</param>
internal sealed class StoredTime(TimeProvider clock) : TimeProvider
{
    /// <summary><paramref name="value"/> without its ticks below the microsecond (earlier, never later), offset kept.</summary>
    public static DateTimeOffset Of(DateTimeOffset value) => value.AddTicks(-(value.UtcTicks % TimeSpan.TicksPerMicrosecond));

    /// <summary><see cref="Of(DateTimeOffset)"/> of a time that may be absent.</summary>
    public static DateTimeOffset? Of(DateTimeOffset? value) => value is { } v ? Of(v) : null;

    /// <summary>The clock a facade over <paramref name="clock"/> stamps with (the clock itself when it is one already).</summary>
    public static TimeProvider Over(TimeProvider clock) => clock as StoredTime ?? new StoredTime(clock);

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => Of(clock.GetUtcNow());

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

    /// <inheritdoc/>
    public override long TimestampFrequency => clock.TimestampFrequency;

    /// <inheritdoc/>
    public override long GetTimestamp() => clock.GetTimestamp();

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => clock.CreateTimer(callback, state, dueTime, period);
}
