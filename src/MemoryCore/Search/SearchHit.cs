namespace AgentMem.MemoryCore.Search;

/// <summary>A retrieved memory with its score and, for explanations, the score's components.</summary>
/// <param name="Item">The memory.</param>
/// <param name="Score">Final relevance; larger is better. Comparable only within one result list.</param>
/// <param name="Components">Named parts of the score (e.g. <c>bm25</c>, <c>vector</c>, <c>recency</c>).</param>
public sealed record SearchHit(MemoryItem Item, double Score, IReadOnlyDictionary<string, double> Components)
{
    /// <summary>
    /// For a memory indexed as passages (a long text), the passage of <see cref="MemoryItem.Text"/> that matched the
    /// query best; null for a short memory, or when no passage matched better than the whole text.
    /// </summary>
    public TextSpan? Passage { get; init; }

    /// <summary>The matched passage's text when there is one, else the whole memory text.</summary>
    public string Excerpt => Passage is { } p && p.Of(Item.Text) is { } text ? text : Item.Text;

    /// <summary>
    /// <see cref="Excerpt"/> for a reader: a passage trimmed, with "…" on each side where the memory's text goes on; the
    /// whole text as it is otherwise.
    /// </summary>
    public string MarkedExcerpt =>
        Passage is { } p && p.Of(Item.Text) is { } text
            ? (p.Start > 0 ? "… " : string.Empty) + text.Trim() + (p.End < Item.Text.Length ? " …" : string.Empty)
            : Item.Text;
}
