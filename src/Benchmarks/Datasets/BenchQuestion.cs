using System.Collections.ObjectModel;

namespace AgentMem.Benchmarks.Datasets;

/// <summary>A question asked against one conversation, with its gold answer and evidence.</summary>
/// <param name="Id">Question id, unique within the dataset.</param>
/// <param name="ConversationId">Id of the <see cref="BenchConversation"/> the question is asked against.</param>
/// <param name="Question">Question text.</param>
/// <param name="Answer">Gold answer normalised to a string (numbers keep their JSON text); null when the dataset has none (LoCoMo category 5).</param>
/// <param name="Category">Dataset category (LoCoMo <c>1</c>..<c>5</c>, LongMemEval <c>question_type</c>, ConvoMem <c>category</c>).</param>
/// <param name="IsAdversarial">
/// True for questions whose premise is false or unanswerable (LoCoMo category 5, LongMemEval <c>_abs</c>,
/// ConvoMem abstention); these are reported separately from the headline retrieval metrics.
/// </param>
/// <param name="EvidenceTurnIds">Gold evidence turn ids (distinct, in dataset order); may be empty.</param>
/// <param name="EvidenceSessionIds">Gold evidence session ids (distinct); may be empty.</param>
/// <param name="QuestionDate">When the question is asked, if the dataset says (LongMemEval only).</param>
/// <param name="AdversarialAnswer">The tempting wrong answer of a LoCoMo category 5 question, if any.</param>
public sealed record BenchQuestion(
    string Id,
    string ConversationId,
    string Question,
    string? Answer,
    string Category,
    bool IsAdversarial,
    IReadOnlyList<string> EvidenceTurnIds,
    IReadOnlyList<string> EvidenceSessionIds,
    DateTimeOffset? QuestionDate,
    string? AdversarialAnswer)
{
    /// <summary>
    /// Gold evidence that repeats other gold evidence, mapped to it: LongMemEval haystacks can hold an answer session twice
    /// (the copy renamed <c>{id}~2</c>), and the copy's session id, and each of its turn ids whose turn is the original's,
    /// map to the original's ids. Retrieval scores a copy as the evidence it repeats: a hit on either satisfies it, and the
    /// two count once among the gold (a retriever that collapses identical texts returns one of them). Empty when nothing repeats.
    /// </summary>
    public IReadOnlyDictionary<string, string> EvidenceCopies { get; init; } = ReadOnlyDictionary<string, string>.Empty;
}
