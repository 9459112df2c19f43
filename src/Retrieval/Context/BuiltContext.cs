namespace AgentMem.Retrieval.Context;

/// <summary>A context ready for a prompt.</summary>
/// <param name="Text">The rendered context: memories grouped by session, in time order, with dates and speakers.</param>
/// <param name="Tokens">Its size under the configured counter.</param>
/// <param name="Memories">The memories included, in rendered order.</param>
/// <param name="CubeMemories">Live memories in the cube.</param>
/// <param name="IsComplete">True when the whole cube fitted and nothing was left out.</param>
public sealed record BuiltContext(string Text, int Tokens, IReadOnlyList<MemoryItem> Memories, int CubeMemories, bool IsComplete);
