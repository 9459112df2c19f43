namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// The one place relevance signals are combined: weighted sum of range-scaled scores, or reciprocal rank fusion scaled so
/// a signal's best memory gets its whole weight under either (the boosts added afterwards weigh the same against both).
/// </summary>
internal static class SignalFusion
{
    public static void Fuse(ScoringContext context, IReadOnlyList<(IRelevanceSignal Signal, float[] Scores, SignalRange Range)> signals)
    {
        var fused = context.Fused.AsSpan(0, context.Slots);
        float[]? scratch = null;
        foreach (var (signal, scores, range) in signals)
        {
            float weight = signal.Weight(context);
            if (weight <= 0)
            {
                continue;
            }

            if (context.Options.Fusion == FusionMethod.Weighted)
            {
                if (range.IsEmpty)
                {
                    continue;
                }

                var raw = scores.AsSpan(0, context.Slots);
                float scale = weight / (range.High - range.Low);
                if (range.Low <= 0)
                {
                    TensorPrimitives.MultiplyAdd(raw, scale, fused, fused);
                    continue;
                }

                // fused += scale · max(0, score − low): scores below the range's floor add nothing.
                scratch ??= context.Rent();
                var shifted = scratch.AsSpan(0, context.Slots);
                TensorPrimitives.Subtract(raw, range.Low, shifted);
                TensorPrimitives.Max(shifted, 0f, shifted);
                TensorPrimitives.MultiplyAdd(shifted, scale, fused, fused);
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

            // Ties by creation order (the memory's id), as TopSlots breaks them: a slot is reused after a purge, so slot
            // order differed between an index kept through writes and one rebuilt, and so did the ranking.
            var cube = context.Cube;
            ranked.Sort((a, b) => scores[b] != scores[a] ? scores[b].CompareTo(scores[a]) : cube.ItemAt(a)!.Id.CompareTo(cube.ItemAt(b)!.Id));
            // weight · (k + 1) / (k + rank): the signal's top memory gets its whole weight, as under the weighted sum. Plain
            // RRF scores were about k times smaller than the weighted sum the boosts are sized for, so an actor or recency
            // boost outweighed every difference in relevance.
            int k = context.Options.RrfK;
            for (int r = 0; r < ranked.Count; r++)
            {
                fused[ranked[r]] += weight * (k + 1) / (k + r + 1);
            }
        }
    }
}
