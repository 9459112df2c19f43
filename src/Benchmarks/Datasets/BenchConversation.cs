namespace AgentMem.Benchmarks.Datasets;

/// <summary>
/// The unit of ingestion: a history of sessions that questions are asked against.
/// Turn and session ids are only unique within one conversation, so a runner must scope its
/// memory store (or its ids) by <see cref="Id"/>.
/// </summary>
/// <param name="Id">Conversation id (LoCoMo <c>sample_id</c>, LongMemEval <c>question_id</c>, ConvoMem <c>{fileStem}</c> or <c>{fileStem}#{itemIndex}</c>).</param>
/// <param name="Sessions">Sessions in dataset order (chronological for LoCoMo and LongMemEval_S/M).</param>
public sealed record BenchConversation(string Id, IReadOnlyList<BenchSession> Sessions);
