namespace AgentMem.Agents.Tests.Scheduling;

/// <summary>The system clock moved forward by <see cref="Offset"/>, so a test can let memories age.</summary>
internal sealed class ShiftableTime : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
