namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// Cosine similarity of the query and memory embeddings, floored at <see cref="HybridOptions.VectorMinSimilarity"/>, fused
/// over the range from the <see cref="HybridOptions.VectorRangeDepth"/>-th best similarity to the best among the memories the
/// request's filter lets through (or as it is, with depth 0).
/// A long memory takes the similarity of its nearest passage when that is higher than its own vector's (a sentence model
/// reads only the first few hundred tokens of a text, and a fact may sit anywhere in it).
/// </summary>
internal sealed class VectorSignal : IRelevanceSignal
{
    public string Name => "vector";

    public float Weight(ScoringContext context) => context.Options.VectorWeight;

    public SignalRange Score(ScoringContext context, float[] scores) =>
        context.QueryVector is { } q ? Similarities(context, q, scores, context.StartNearestPassages) : SignalRange.None;

    /// <summary>
    /// Each memory's similarity to <paramref name="q"/> (a prepared query vector) into <paramref name="scores"/>, and the range the
    /// fusion scales it by. <paramref name="nearestPassages"/> gives the array where long memories note their nearest passage.
    /// </summary>
    public static SignalRange Similarities(ScoringContext context, float[] q, float[] scores, Func<MemoryCore.Text.TextSpan[]> nearestPassages)
    {
        var options = context.Options;
        var vectors = context.Cube.Vectors;
        var best = new TopSimilarities(options.VectorRangeDepth);
        var passages = context.Cube.Passages;
        if (!vectors.UsesAnn)
        {
            vectors.ScoreExact(q, scores, options.VectorMinSimilarity);
            if (passages.VectorRows > 0)
            {
                passages.RaiseByVectors(q, scores, options.VectorMinSimilarity, nearestPassages());
            }

            // The range is over the memories the search may return: a memory the filter leaves out (another session,
            // an archived or deleted one) set the floor, and a narrow filter's own memories all fell below it.
            if (options.VectorRangeDepth > 0)
            {
                for (int s = 0; s < context.Slots; s++)
                {
                    if (scores[s] > 0 && context.Allowed(s))
                    {
                        best.Offer(scores[s]);
                    }
                }
            }
        }
        else
        {
            // A big cube: only the ANN index's nearest embeddings get a vector score (exact, from the row), the nearest
            // among the memories the search may return: the nearest over the whole cube, filtered afterwards, left a
            // narrow filter (a session, a tag) with few candidates or none.
            var offered = new HashSet<int>();
            foreach (var (slot, similarity) in vectors.SearchAnn(q, Math.Max(Math.Max(options.AnnCandidates, options.VectorRangeDepth), context.Request.K), context.Allowed))
            {
                scores[slot] = similarity >= options.VectorMinSimilarity ? similarity : 0;
                offered.Add(slot);
            }

            // Passage vectors are held in memory and scanned exactly, whatever serves the memories' own vectors.
            if (passages.VectorRows > 0)
            {
                offered.UnionWith(passages.RaiseByVectors(q, scores, options.VectorMinSimilarity, nearestPassages()));
            }

            foreach (int slot in offered)
            {
                if (context.Allowed(slot)) // passages are raised for every long memory, filtered or not
                {
                    best.Offer(scores[slot]);
                }
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
