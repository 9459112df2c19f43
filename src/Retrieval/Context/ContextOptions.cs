using System.Diagnostics.CodeAnalysis;
using AgentMem.Common.Validation;
using AgentMem.Retrieval.Tokens;

namespace AgentMem.Retrieval.Context;

/// <summary>How a context is built for a reader model.</summary>
public sealed class ContextOptions
{
    /// <summary>Most tokens the context may take (default 2,000; 16 to <see cref="MaxTokenBudget"/>).</summary>
    public int TokenBudget { get; set; } = 2000;

    /// <summary>
    /// The largest budget accepted: 1,000,000 tokens, beyond any reader's window today. A cube that fits is read and
    /// returned whole, so a budget without a bound would let one request read, count and return all of a cube's text.
    /// </summary>
    public const int MaxTokenBudget = 1_000_000;

    /// <summary>
    /// Counts the tokens the budget is spent in (default: o200k_base, exact for GPT-4o and later; see
    /// <see cref="TokenCounters"/> for cl100k, a model folder's tokenizer, or the <see cref="HeuristicTokenCounter"/> estimate).
    /// </summary>
    /// <remarks>
    /// The default is exact because a budget is a promise about the reader's window; the estimate can overshoot it. o200k is
    /// loaded on first use, once per process (about 1.5 s and 70 MiB), and only when no counter was set: callers that set
    /// one, such as unit tests with the heuristic, never pay for it. Setting null restores the default.
    /// </remarks>
    [AllowNull]
    public ITokenCounter TokenCounter
    {
        get => field ??= TokenCounters.Create(TokenCounters.DefaultSpec);
        set;
    }

    /// <summary>These options with the budget at most <paramref name="cap"/> (a cube's policy caps what a caller asks for).</summary>
    internal ContextOptions CappedAt(int cap) => cap <= 0 || cap >= TokenBudget ? this : new ContextOptions
    {
        TokenBudget = cap,
        TokenCounter = TokenCounter,
        Candidates = Candidates,
        Passages = Passages,
        ExcludeTags = ExcludeTags,
        ExcludeIds = ExcludeIds,
        Retriever = Retriever,
    };

    /// <summary>
    /// Ranked candidates considered when the whole cube does not fit (default 200), not counting memories the options
    /// exclude: the search reaches past them, up to <see cref="MemoryCore.MemoryOSOptions.MaxSearchK"/> hits.
    /// </summary>
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

    /// <summary>
    /// Memories left out by id: text the reader already has in another form, such as the sources of activation or parametric
    /// memory a local model loads before the prompt. Empty by default.
    /// </summary>
    public IReadOnlyCollection<MemoryCore.Identity.MemoryId> ExcludeIds { get; set; } = [];

    /// <summary>Retriever used to rank, by name; null for the default.</summary>
    public string? Retriever { get; set; }

    /// <summary>Whether <paramref name="item"/> is left out by <see cref="ExcludeTags"/> or <see cref="ExcludeIds"/>.</summary>
    public bool Excludes(MemoryCore.Model.MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return (ExcludeIds.Count > 0 && ExcludeIds.Contains(item.Id)) || ExcludesByTag(item);
    }

    /// <summary>Whether <paramref name="item"/> carries one of <see cref="ExcludeTags"/>.</summary>
    internal bool ExcludesByTag(MemoryCore.Model.MemoryItem item) =>
        ExcludeTags.Count > 0 && item.Tags.Any(tag => ExcludeTags.Contains(tag, StringComparer.OrdinalIgnoreCase));

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        // One check for both ends, so whoever set the budget learns the whole range from either refusal.
        OptionsGuard.Between(TokenBudget, 16, MaxTokenBudget);
        ArgumentOutOfRangeException.ThrowIfLessThan(Candidates, 1, nameof(Candidates));
        ArgumentNullException.ThrowIfNull(ExcludeTags, nameof(ExcludeTags));
        ArgumentNullException.ThrowIfNull(ExcludeIds, nameof(ExcludeIds));
    }
}
