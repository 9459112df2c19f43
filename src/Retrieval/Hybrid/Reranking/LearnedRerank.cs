using AgentMem.Retrieval.Hybrid.Signals;

namespace AgentMem.Retrieval.Hybrid.Reranking;

/// <summary>
/// The reranking stage: takes the hybrid's best <see cref="HybridOptions.RerankDepth"/> candidates, computes their
/// <see cref="RerankFeatureNames"/>, and, with a model, replaces their fused scores by the model's (as e^(s − best), so the
/// order is the model's and every score stays in (0, 1]); memories outside the candidates drop out. When the model scores
/// any candidate as infinite or not a number (its weights overflow float on the features), the fused order stands. With
/// <see cref="HybridOptions.ReportRerankFeatures"/> each feature is reported as a score component <c>rerank.NAME</c>.
/// </summary>
internal static class LearnedRerank
{
    /// <summary>The raw signals the features are built from, with the ranges the fusion scaled them by.</summary>
    public readonly record struct Inputs(
        float[] Item, SignalRange ItemRange,
        float[] Window, SignalRange WindowRange,
        float[] Session, SignalRange SessionRange,
        float[]? Vector, SignalRange VectorRange,
        float[]? Topic, SignalRange TopicRange,
        int NamedActors);

    public static void Apply(ScoringContext context, Inputs inputs)
    {
        var options = context.Options;
        bool fits = options.RerankerFits(context.Cube.Count, context.Cube.ItemIndex.AverageLength);
        if (!options.ReportRerankFeatures && !fits)
        {
            return; // too small or too unlike what the model was fitted on: the fused order stands
        }

        var candidates = TopSlots.Best(context, Math.Max(options.RerankDepth, context.Request.K), options.CollapseDuplicates);
        if (candidates.Count == 0)
        {
            return;
        }

        var features = RerankFeatures.Compute(context, inputs, candidates);
        int width = RerankFeatureNames.All.Length;
        if (options.ReportRerankFeatures)
        {
            for (int f = 0; f < width; f++)
            {
                var column = context.Rent();
                for (int c = 0; c < candidates.Count; c++)
                {
                    column[candidates[c]] = features[(c * width) + f];
                }

                context.Components["rerank." + RerankFeatureNames.All[f]] = column;
            }
        }

        if (options.Reranker is not { } model || !fits)
        {
            return;
        }

        var scores = new float[candidates.Count];
        for (int c = 0; c < candidates.Count; c++)
        {
            scores[c] = model.Score(features.AsSpan(c * width, width));
            if (!float.IsFinite(scores[c]))
            {
                // Finite weights can still overflow float on these features (a tiny scale, huge weights): e^(s − best) of an
                // infinite best is NaN, and an infinite score has no place among finite ones. Such scores order nothing, so
                // the fused order and scores stand, as for a cube the model does not fit.
                return;
            }
        }

        float best = TensorPrimitives.Max(scores);
        var reranked = context.Rent();
        var fused = context.Fused;
        var hybrid = context.Rent();
        Array.Copy(fused, hybrid, context.Slots);
        context.Components[RerankFeatureNames.Hybrid] = hybrid;
        Array.Clear(fused, 0, context.Slots);
        for (int c = 0; c < candidates.Count; c++)
        {
            reranked[candidates[c]] = scores[c];
            fused[candidates[c]] = MathF.Max(MathF.Exp(scores[c] - best), float.Epsilon);
        }

        context.Components["rerank"] = reranked;
    }
}
