namespace AgentMem.Benchmarks.Datasets;

/// <summary>A dated group of consecutive turns (a chat session) inside a conversation.</summary>
/// <param name="Id">Session id, unique within its conversation (LoCoMo <c>D3</c>, LongMemEval haystack session id, ConvoMem <c>c{j}</c>).</param>
/// <param name="Date">
/// Session timestamp when the dataset gives one. Datasets carry no time zone, so the wall-clock
/// time is stored with a zero offset.
/// </param>
/// <param name="Turns">Turns in dialogue order.</param>
public sealed record BenchSession(string Id, DateTimeOffset? Date, IReadOnlyList<BenchTurn> Turns);
