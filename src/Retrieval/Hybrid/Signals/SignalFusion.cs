using System.Numerics.Tensors;

namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>The one place relevance signals are combined: weighted sum of max-normalised scores, or reciprocal rank fusion.</summary>
internal static class SignalFusion
{
    public static void Fuse(ScoringContext context, IReadOnlyList<(IRelevanceSignal Signal, float[] Scores, float Max)> signals)
    {
        var fused = context.Fused;
        foreach (var (signal, scores, max) in signals)
        {
            float weight = signal.Weight(context.Options);
            if (weight <= 0)
            {
                continue;
            }

            if (context.Options.Fusion == FusionMethod.Weighted)
            {
                if (max > 0)
                {
                    TensorPrimitives.MultiplyAdd(scores.AsSpan(0, context.Slots), weight / max, fused.AsSpan(0, context.Slots), fused.AsSpan(0, context.Slots));
                }

                continue;
            }

            var ranked = new List<int>();
            for (int i = 0; i < context.Slots; i++)
            {
                if (scores[i] > 0 && context.Allowed(i))
                {
                    ranked.Add(i);
                }
            }

            ranked.Sort((a, b) => scores[b] != scores[a] ? scores[b].CompareTo(scores[a]) : a.CompareTo(b));
            for (int r = 0; r < ranked.Count; r++)
            {
                fused[ranked[r]] += weight / (context.Options.RrfK + r + 1);
            }
        }
    }
}
