namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>Cosine similarity of the query and memory embeddings, floored at <see cref="HybridOptions.VectorMinSimilarity"/>.</summary>
internal sealed class VectorSignal : IRelevanceSignal
{
    public string Name => "vector";

    public float Weight(HybridOptions options) => options.VectorWeight;

    public float Score(ScoringContext context, float[] scores)
    {
        if (context.QueryVector is not { } q)
        {
            return 0;
        }

        var vectors = context.Cube.Vectors;
        if (!vectors.UsesAnn)
        {
            vectors.ScoreExact(q, scores, context.Options.VectorMinSimilarity);
            return 1f;
        }

        // A big cube: only the ANN index's nearest embeddings get a vector score (exact, from the row).
        foreach (var (slot, similarity) in vectors.SearchAnn(q, Math.Max(context.Options.AnnCandidates, context.Request.K)))
        {
            scores[slot] = similarity >= context.Options.VectorMinSimilarity ? similarity : 0;
        }

        // Weighted fusion divides by the signal's best; cosine is already on [0, 1], as before.
        return 1f;
    }
}
