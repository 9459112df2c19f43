using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Search;

/// <summary>A retrieved memory with its score and, for explanations, the score's components.</summary>
/// <param name="Item">The memory.</param>
/// <param name="Score">Final relevance; larger is better. Comparable only within one result list.</param>
/// <param name="Components">Named parts of the score (e.g. <c>bm25</c>, <c>vector</c>, <c>recency</c>).</param>
public sealed record SearchHit(MemoryItem Item, double Score, IReadOnlyDictionary<string, double> Components);
