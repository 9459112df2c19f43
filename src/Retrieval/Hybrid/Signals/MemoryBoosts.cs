using AgentMem.MemoryCore.Forgetting;

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
        var named = o.ActorWeight > 0 ? context.NamedActors : null;
        if (named is null && o.RecencyWeight <= 0 && o.StrengthWeight <= 0)
        {
            return; // the query names no actor of the cube and the other boosts are off
        }

        var namedNumbers = NamedNumbers(context.Cube, named);
        float[] actor = named is not null ? context.Rent() : [];
        float[] recency = o.RecencyWeight > 0 ? context.Rent() : [];
        float[] strength = o.StrengthWeight > 0 ? context.Rent() : [];
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

            if (named is not null && IsNamed(context.Cube, i, namedNumbers))
            {
                actor[i] = 1;
            }

            if (o.RecencyWeight <= 0 && o.StrengthWeight <= 0)
            {
                fused[i] += o.ActorWeight * actor[i];
                continue;
            }

            var memory = context.Cube.ItemAt(i)!;
            if (o.RecencyWeight > 0)
            {
                double ageDays = Math.Max(0, (context.Now - (memory.ValidFrom ?? memory.Provenance.RecordedAt)).TotalDays);
                recency[i] = (float)Math.Pow(2, -ageDays / o.RecencyHalfLifeDays);
            }

            if (o.StrengthWeight > 0)
            {
                strength[i] = (float)ForgettingCurve.Retention(memory, context.Now);
            }

            fused[i] += (named is not null ? o.ActorWeight * actor[i] : 0) + (o.RecencyWeight > 0 ? o.RecencyWeight * recency[i] : 0) + (o.StrengthWeight > 0 ? o.StrengthWeight * strength[i] : 0);
        }
    }

    /// <summary>
    /// The actor numbers of <paramref name="named"/> as flags: a per-slot int compare instead of a string lookup. Sized
    /// by the numbers handed out, not the actors left: an actor whose memories are all gone keeps its number.
    /// </summary>
    public static bool[] NamedNumbers(CubeIndex cube, HashSet<string>? named)
    {
        var numbers = new bool[cube.ActorNumbers];
        foreach (string who in named ?? [])
        {
            if (cube.ActorNumber(who) is int n and >= 0 && n < numbers.Length)
            {
                numbers[n] = true;
            }
        }

        return numbers;
    }

    /// <summary>Whether the memory in <paramref name="slot"/> is by an actor flagged in <paramref name="namedNumbers"/>.</summary>
    public static bool IsNamed(CubeIndex cube, int slot, bool[] namedNumbers) =>
        cube.ActorAt(slot) is int who and >= 0 && who < namedNumbers.Length && namedNumbers[who];

    /// <summary>The cube's actors the query names (every word of the actor's name appears in the query), or null for none.</summary>
    public static HashSet<string>? NamedActors(CubeIndex cube, string query)
    {
        var words = TextAnalyzer.Words(query).ToHashSet(StringComparer.Ordinal);
        HashSet<string>? named = null;
        foreach (var (name, nameWords) in cube.Actors)
        {
            if (nameWords.Length > 0 && nameWords.All(words.Contains))
            {
                (named ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
            }
        }

        return named;
    }
}
