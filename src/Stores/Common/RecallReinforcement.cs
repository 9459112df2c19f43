using AgentMem.MemoryCore.Forgetting;

namespace AgentMem.Stores.Common;

/// <summary>
/// One recall applied to one memory: the forgetting curve's reinforcement for the time since the memory was last
/// recalled (or recorded), and the counter one on. Every store computes it here and writes what it says.
/// </summary>
internal sealed record RecallReinforcement(MemoryId Id, string CubeId, int Version, DateTimeOffset At, double StrengthBefore, double StrengthAfter, double ElapsedDays, int RecallCount)
{
    /// <summary>Reinforces a memory of <paramref name="strength"/> and <paramref name="importance"/> last anchored at <paramref name="anchor"/>, recalled at <paramref name="at"/>.</summary>
    public static RecallReinforcement Apply(MemoryId id, string cubeId, int version, double strength, double importance, DateTimeOffset anchor, int recallCount, DateTimeOffset at)
    {
        double elapsed = Math.Max(0, (at - anchor).TotalDays);
        return new RecallReinforcement(id, cubeId, version, at, strength, ForgettingCurve.Reinforce(strength, importance, elapsed), elapsed, recallCount + 1);
    }

    /// <summary>The call's audit line, made this memory's and noting the reinforcement.</summary>
    public AuditRecord AuditLine(AuditRecord audit) =>
        audit with { CubeId = CubeId, MemoryId = Id.ToString(), Version = Version, Detail = RecallAuditDetail.Describe(audit.Detail, StrengthBefore, StrengthAfter, ElapsedDays, RecallCount) };

    /// <summary>What the call returns for this memory.</summary>
    public RecallRecord Record() => new(Id, StrengthAfter, At, RecallCount);
}
