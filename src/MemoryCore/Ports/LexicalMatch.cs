namespace AgentMem.MemoryCore.Ports;

/// <summary>A full-text match with its BM25 relevance (higher is better).</summary>
/// <param name="Item">The matching memory.</param>
/// <param name="Score">BM25 score; larger means more relevant.</param>
public sealed record LexicalMatch(MemoryItem Item, double Score);
