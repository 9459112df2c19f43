namespace AgentMem.Benchmarks.Metrics;

/// <summary>Mean answer-quality scores of a group of questions; each mean is over the questions that have that score.</summary>
/// <param name="Count">Questions with at least one QA score.</param>
/// <param name="F1">Mean token F1, or null if none was scored.</param>
/// <param name="Bleu1">Mean BLEU-1, or null if none was scored.</param>
/// <param name="Judge">Mean judge score, or null if none was judged.</param>
public sealed record QaSummary(int Count, double? F1, double? Bleu1, double? Judge)
{
    /// <summary>
    /// Questions whose judge reply held no verdict (neither CORRECT nor WRONG: empty, cut off at the judge's token cap, or
    /// off the prompt): left out of <see cref="Judge"/>, which would otherwise have read each as wrong.
    /// </summary>
    public int JudgeUnparsed { get; init; }
}
