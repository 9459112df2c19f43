namespace AgentMem.Agents;

/// <summary>
/// One update of <see cref="MemoryAgent.ChatStreamingAsync"/>: a piece of the reply's text as the model
/// produces it, or, last, the completed turn after it was written back to memory.
/// </summary>
/// <param name="Text">The next piece of the reply; null on the final update.</param>
/// <param name="Completed">The finished turn, set only on the final update.</param>
public sealed record MemoryAgentUpdate(string? Text, MemoryAgentTurn? Completed);
