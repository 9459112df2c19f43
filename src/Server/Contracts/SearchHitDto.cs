namespace AgentMem.Server.Contracts;

/// <summary>One ranked hit.</summary>
/// <param name="Rank">1-based rank.</param>
/// <param name="Score">Relevance; comparable only within one response.</param>
/// <param name="Memory">The memory.</param>
/// <param name="Components">The score's components (only with <c>explain</c>).</param>
public sealed record SearchHitDto(int Rank, double Score, MemoryDto Memory, IReadOnlyDictionary<string, double>? Components)
{
    /// <summary>For a long memory, the passage that matched best; null otherwise.</summary>
    public PassageDto? Passage { get; init; }
}
