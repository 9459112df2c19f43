using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>PUT /v1/cubes/{cube}/policy</c>: members left out keep their value.</summary>
/// <param name="Deduplicate">Whether identical content of one user, agent and speaker is stored once.</param>
/// <param name="RetentionDays">Archive after this many days without recall (0: keep).</param>
/// <param name="HardDeleteAfterDays">TTL in days (0: never); only the owner may change it.</param>
/// <param name="MaxItems">Most live memories (0: no limit).</param>
/// <param name="ContextTokenBudget">Token budget for context (0: the caller's).</param>
/// <param name="ForgettingThreshold">Forgetting threshold between 0 and 1; 0 turns forgetting off.</param>
/// <param name="User">The acting user.</param>
/// <param name="Agent">The acting agent.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SetPolicyRequest(bool? Deduplicate = null, int? RetentionDays = null, int? HardDeleteAfterDays = null, int? MaxItems = null, int? ContextTokenBudget = null, double? ForgettingThreshold = null, string? User = null, string? Agent = null)
{
    /// <summary><paramref name="current"/> with the members this request sets.</summary>
    public CubePolicy Apply(CubePolicy current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current with
        {
            Deduplicate = Deduplicate ?? current.Deduplicate,
            RetentionDays = RetentionDays ?? current.RetentionDays,
            HardDeleteAfterDays = HardDeleteAfterDays ?? current.HardDeleteAfterDays,
            MaxItems = MaxItems ?? current.MaxItems,
            ContextTokenBudget = ContextTokenBudget ?? current.ContextTokenBudget,
            ForgettingThreshold = ForgettingThreshold is null ? current.ForgettingThreshold : ForgettingThreshold == 0 ? null : ForgettingThreshold,
        };
    }
}
