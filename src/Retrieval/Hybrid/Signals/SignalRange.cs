namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// How a signal's raw scores map onto [0, 1] before weighting: (score − <see cref="Low"/>) / (<see cref="High"/> − <see cref="Low"/>),
/// clipped at 0. BM25 signals span (0, best]; the vector signal spans its N-th best to its best similarity, because
/// cosines of a sentence model crowd into a narrow band far above 0 (dividing by the best alone leaves every memory near 1).
/// </summary>
internal readonly record struct SignalRange(float Low, float High)
{
    /// <summary>No score: the signal adds nothing.</summary>
    public static SignalRange None => default;

    /// <summary>Scores in (0, <paramref name="best"/>].</summary>
    public static SignalRange UpTo(float best) => new(0, best);

    /// <summary>Whether no score can contribute (High is not above Low).</summary>
    public bool IsEmpty => !(High > Low);

    /// <summary><paramref name="score"/> on [0, 1] as the fusion sees it (0 for an empty range).</summary>
    public float Scale(float score) => IsEmpty ? 0 : Math.Max(0, (score - Low) / (High - Low));
}
