using AgentMem.MemoryCore.Forgetting;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// Boosts from the memory itself, added to candidates that already score: the actor the query names, recency (half-life
/// in days) and forgetting-curve retention.
/// </summary>
internal sealed class MemoryBoosts : IScoreBoost
{
    public bool Applies(ScoringContext context) => context.Options.ActorWeight > 0 || context.Options.RecencyWeight > 0 || context.Options.StrengthWeight > 0;

    public void Apply(ScoringContext context)
    {
        var o = context.Options;
        var named = o.ActorWeight > 0 ? NamedActors(context) : null;
        var actor = new float[context.Slots];
        var recency = new float[context.Slots];
        var strength = new float[context.Slots];
        if (named is { Count: > 0 })
        {
            context.Components["actor"] = actor;
        }

        if (o.RecencyWeight > 0)
        {
            context.Components["recency"] = recency;
        }

        if (o.StrengthWeight > 0)
        {
            context.Components["retention"] = strength;
        }

        var fused = context.Fused;
        for (int i = 0; i < context.Slots; i++)
        {
            if (fused[i] <= 0 || !context.Allowed(i))
            {
                continue;
            }

            var memory = context.Cube.ItemAt(i)!;
            if (named is not null && memory.Provenance.Actor is { } who && named.Contains(who))
            {
                actor[i] = 1;
            }

            if (o.RecencyWeight > 0)
            {
                double ageDays = Math.Max(0, (context.Now - (memory.ValidFrom ?? memory.Provenance.RecordedAt)).TotalDays);
                recency[i] = (float)Math.Pow(2, -ageDays / o.RecencyHalfLifeDays);
            }

            if (o.StrengthWeight > 0)
            {
                strength[i] = (float)ForgettingCurve.Retention(memory, context.Now);
            }

            fused[i] += (o.ActorWeight * actor[i]) + (o.RecencyWeight * recency[i]) + (o.StrengthWeight * strength[i]);
        }
    }

    /// <summary>The cube's actors the query names (every word of the actor's name appears in the query).</summary>
    private static HashSet<string>? NamedActors(ScoringContext context)
    {
        var words = TextAnalyzer.Words(context.Request.Query).ToHashSet(StringComparer.Ordinal);
        HashSet<string>? named = null;
        foreach (var (name, nameWords) in context.Cube.Actors)
        {
            if (nameWords.Length > 0 && nameWords.All(words.Contains))
            {
                (named ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
            }
        }

        return named;
    }
}
