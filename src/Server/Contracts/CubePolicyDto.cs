namespace AgentMem.Server.Contracts;

/// <summary>A cube's policy. Limits of zero mean none.</summary>
/// <param name="Deduplicate">Whether identical content of one user, agent and speaker is stored once.</param>
/// <param name="RetentionDays">Maintenance archives memories not recalled for this many days (0: keep).</param>
/// <param name="HardDeleteAfterDays">TTL: memories recorded more than this many days ago are purged, frozen ones excepted (0: never).</param>
/// <param name="MaxItems">Most live memories the cube takes.</param>
/// <param name="ContextTokenBudget">Token budget for context built from the cube (0: the caller's).</param>
/// <param name="ForgettingThreshold">Retention (0..1) below which maintenance archives a memory; null never forgets.</param>
public sealed record CubePolicyDto(bool Deduplicate, int RetentionDays, int HardDeleteAfterDays, int MaxItems, int ContextTokenBudget, double? ForgettingThreshold)
{
    /// <summary>The API view of a policy.</summary>
    public static CubePolicyDto From(CubePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new(policy.Deduplicate, policy.RetentionDays, policy.HardDeleteAfterDays, policy.MaxItems, policy.ContextTokenBudget, policy.ForgettingThreshold);
    }
}
