namespace AgentMem.Benchmarks.Metrics;

/// <summary>What a benchmark run observed for one question; input to <see cref="EvaluationAccumulator"/>.</summary>
/// <param name="QuestionId">Question id.</param>
/// <param name="Category">Question category.</param>
/// <param name="IsAdversarial">Whether the question is adversarial / abstention.</param>
/// <param name="RankedTurnIds">Retrieved turn ids, best first (flatten multi-turn memories in rank order).</param>
/// <param name="GoldTurnIds">Gold evidence turn ids.</param>
/// <param name="GoldSessionIds">Gold evidence session ids.</param>
/// <param name="SearchLatencyMs">Wall-clock time of the memory search, in milliseconds.</param>
/// <param name="ContextTokens">Tokens of the retrieved context handed to the reader.</param>
/// <param name="FullContextTokens">Tokens of the whole conversation history, the full-context baseline.</param>
public sealed record QuestionResult(
    string QuestionId,
    string Category,
    bool IsAdversarial,
    IReadOnlyList<string> RankedTurnIds,
    IReadOnlyCollection<string> GoldTurnIds,
    IReadOnlyCollection<string> GoldSessionIds,
    double SearchLatencyMs,
    long ContextTokens,
    long FullContextTokens)
{
    /// <summary>
    /// Session id of each retrieved item, best first, when the retriever knows it; when null,
    /// sessions are derived from <see cref="RankedTurnIds"/> with the accumulator's mapper. The session metrics take @k
    /// as the first k distinct sessions, so for a turn ranking this list may run deeper than <see cref="RankedTurnIds"/>
    /// (the runner searches on until it holds max(k) sessions).
    /// </summary>
    public IReadOnlyList<string>? RankedSessionIds { get; init; }

    /// <summary>
    /// When each retrieved item covers several turns (session-level memories): the turns of each item,
    /// best first. Recall@k then counts the gold turns inside the first k items, and NDCG and MRR are
    /// taken over items against the gold sessions.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>>? RankedTurnGroups { get; init; }

    /// <summary>
    /// Ids that repeat a gold id, mapped to it (<see cref="BenchQuestion.EvidenceCopies"/>): retrieved or gold, a copy is
    /// scored as the id it repeats. Null when nothing repeats.
    /// </summary>
    public IReadOnlyDictionary<string, string>? GoldCopies { get; init; }

    /// <summary>Tokens of the same retrieved memories given whole (no passage excerpts); 0 when not measured.</summary>
    public long WholeContextTokens { get; init; }

    /// <summary>Token F1 of the generated answer, if QA was run.</summary>
    public double? F1 { get; init; }

    /// <summary>BLEU-1 of the generated answer, if QA was run.</summary>
    public double? Bleu1 { get; init; }

    /// <summary>LLM-judge score in [0, 1] of the generated answer, if judged.</summary>
    public double? JudgeScore { get; init; }

    /// <summary>The judge replied without a verdict (<see cref="JudgeScore"/> is then null); counted in <see cref="QaSummary.JudgeUnparsed"/>.</summary>
    public bool JudgeUnparsed { get; init; }

    /// <summary>Builds a result for a dataset question, taking id, category and gold evidence from it.</summary>
    /// <param name="question">The question.</param>
    /// <param name="rankedTurnIds">Retrieved turn ids, best first.</param>
    /// <param name="searchLatencyMs">Search time in milliseconds.</param>
    /// <param name="contextTokens">Tokens of the retrieved context.</param>
    /// <param name="fullContextTokens">Tokens of the whole conversation.</param>
    /// <returns>The result; set QA scores with a <c>with</c> expression.</returns>
    public static QuestionResult ForQuestion(
        BenchQuestion question,
        IReadOnlyList<string> rankedTurnIds,
        double searchLatencyMs,
        long contextTokens,
        long fullContextTokens)
    {
        ArgumentNullException.ThrowIfNull(question);
        return new QuestionResult(
            question.Id,
            question.Category,
            question.IsAdversarial,
            rankedTurnIds,
            question.EvidenceTurnIds.ToArray(),
            question.EvidenceSessionIds.ToArray(),
            searchLatencyMs,
            contextTokens,
            fullContextTokens)
        {
            GoldCopies = question.EvidenceCopies.Count == 0 ? null : question.EvidenceCopies,
        };
    }
}
