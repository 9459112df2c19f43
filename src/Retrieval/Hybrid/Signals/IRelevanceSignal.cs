namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>A relevance signal: scores every slot for the query; the fusion combines the signals by weight.</summary>
internal interface IRelevanceSignal
{
    /// <summary>Component name in explanations, e.g. <c>bm25_item</c>.</summary>
    string Name { get; }

    /// <summary>This signal's weight under <paramref name="options"/> (0: skipped).</summary>
    float Weight(HybridOptions options);

    /// <summary>Writes each slot's raw score into <paramref name="scores"/> (cleared) and returns the range the fusion scales it by.</summary>
    SignalRange Score(ScoringContext context, float[] scores);
}
