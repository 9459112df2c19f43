namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// Cosine similarity of the query and memory embeddings, floored at <see cref="HybridOptions.VectorMinSimilarity"/>, fused
/// over the range from the <see cref="HybridOptions.VectorRangeDepth"/>-th best similarity to the best (or as it is, with depth 0).
/// </summary>
internal sealed class VectorSignal : IRelevanceSignal
{
    public string Name => "vector";

    public float Weight(HybridOptions options) => options.VectorWeight;

    public SignalRange Score(ScoringContext context, float[] scores)
    {
        if (context.QueryVector is not { } q)
        {
            return SignalRange.None;
        }

        var options = context.Options;
        var vectors = context.Cube.Vectors;
        var best = new TopSimilarities(options.VectorRangeDepth);
        if (!vectors.UsesAnn)
        {
            vectors.ScoreExact(q, scores, options.VectorMinSimilarity);
            if (options.VectorRangeDepth > 0)
            {
                for (int s = 0; s < context.Slots; s++)
                {
                    best.Offer(scores[s]);
                }
            }
        }
        else
        {
            // A big cube: only the ANN index's nearest embeddings get a vector score (exact, from the row).
            foreach (var (slot, similarity) in vectors.SearchAnn(q, Math.Max(Math.Max(options.AnnCandidates, options.VectorRangeDepth), context.Request.K)))
            {
                float score = similarity >= options.VectorMinSimilarity ? similarity : 0;
                scores[slot] = score;
                best.Offer(score);
            }
        }

        if (options.VectorRangeDepth == 0)
        {
            return SignalRange.UpTo(1f); // the cosine as it is: already on [0, 1]
        }

        float high = best.Best, low = best.Lowest;
        return low < high ? new SignalRange(low, high) : SignalRange.UpTo(high);
    }
}
