namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>A step applied after fusion that raises (or scales) the fused score of some slots.</summary>
internal interface IScoreBoost
{
    /// <summary>Whether the step runs for this search at all.</summary>
    bool Applies(ScoringContext context);

    /// <summary>Adjusts <see cref="ScoringContext.Fused"/> and records its component(s).</summary>
    void Apply(ScoringContext context);
}
