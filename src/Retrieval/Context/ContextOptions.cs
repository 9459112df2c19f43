using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Text;

namespace AgentMem.Retrieval.Context;

/// <summary>How a context is built for a reader model.</summary>
public sealed class ContextOptions
{
    /// <summary>Most tokens the context may take (default 2,000).</summary>
    public int TokenBudget { get; set; } = 2000;

    /// <summary>Counts tokens: exact with a tokenizer, else the documented <see cref="HeuristicTokenCounter"/> estimate.</summary>
    public ITokenCounter TokenCounter { get; set; } = HeuristicTokenCounter.Instance;

    /// <summary>Ranked candidates considered when the whole cube does not fit (default 200).</summary>
    public int Candidates { get; set; } = 200;

    /// <summary>
    /// Whether a long memory found by one of its passages contributes that passage (marked with "…" where text was left
    /// out) instead of its whole text (default true): the budget buys the facts that matched, not the rest of a long answer.
    /// </summary>
    public bool Passages { get; set; } = true;

    /// <summary>
    /// Memories carrying any of these tags (compared ignoring case) are left out: text the reader already gets elsewhere,
    /// such as an agent's core memory blocks rendered into its system message. Empty by default.
    /// </summary>
    public IReadOnlyCollection<string> ExcludeTags { get; set; } = [];

    /// <summary>Retriever used to rank, by name; null for the default.</summary>
    public string? Retriever { get; set; }

    /// <summary>Whether <paramref name="item"/> is left out by <see cref="ExcludeTags"/>.</summary>
    public bool Excludes(MemoryCore.Model.MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return ExcludeTags.Count > 0 && item.Tags.Any(tag => ExcludeTags.Contains(tag, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TokenBudget, 16, nameof(TokenBudget));
        ArgumentOutOfRangeException.ThrowIfLessThan(Candidates, 1, nameof(Candidates));
        ArgumentNullException.ThrowIfNull(TokenCounter, nameof(TokenCounter));
        ArgumentNullException.ThrowIfNull(ExcludeTags, nameof(ExcludeTags));
    }
}
