namespace AgentMem.Benchmarks.Datasets;

/// <summary>One utterance in a benchmark conversation.</summary>
/// <param name="Id">
/// Turn id, unique within its <see cref="BenchConversation"/> and always of the form
/// <c>{sessionId}:{n}</c> so that <see cref="TurnIds.SessionOf"/> recovers the session
/// (LoCoMo <c>D3:7</c>, LongMemEval <c>{haystackSessionId}:{index}</c>, ConvoMem <c>c{j}:{i}</c>).
/// </param>
/// <param name="Speaker">Speaker name or role as given by the dataset (e.g. <c>Caroline</c>, <c>user</c>).</param>
/// <param name="Text">Utterance text; LoCoMo image captions are appended as <c>[shares a photo of ...]</c>.</param>
public sealed record BenchTurn(string Id, string Speaker, string Text);
