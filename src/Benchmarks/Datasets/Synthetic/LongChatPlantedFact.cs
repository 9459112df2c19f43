namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>Where the generator put a sentence that a question depends on, for checking the set.</summary>
/// <param name="QuestionId">Question that depends on the sentence.</param>
/// <param name="TurnId">Turn that holds it.</param>
/// <param name="Sentence">The sentence (for the giant message: the log line body), verbatim as in the turn.</param>
/// <param name="Value">The fact's value as it appears in the sentence.</param>
/// <param name="Role"><c>evidence</c>, <c>superseded</c> (the first value of an updated fact, not evidence) or <c>bridge</c> (the fact that identifies the entity of a two-facts question).</param>
internal sealed record LongChatPlantedFact(string QuestionId, string TurnId, string Sentence, string Value, string Role);
