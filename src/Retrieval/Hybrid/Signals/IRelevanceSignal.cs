namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>A relevance signal: scores every slot for the query; the fusion combines the signals by weight.</summary>
internal interface IRelevanceSignal
{
    /// <summary>Component name in explanations, e.g. <c>bm25_item</c>.</summary>
    string Name { get; }

    /// <summary>This signal's weight in this search (0: skipped): its option, adapted to the cube where the signal says so.</summary>
    float Weight(ScoringContext context);

    /// <summary>Writes each slot's raw score into <paramref name="scores"/> (cleared) and returns the range the fusion scales it by.</summary>
    SignalRange Score(ScoringContext context, float[] scores);
}
