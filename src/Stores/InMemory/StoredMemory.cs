namespace AgentMem.Stores.InMemory;

/// <summary>
/// One memory as the in-memory store holds it: the current version, the versions it superseded (oldest first), its
/// analysed text for lexical search and its embeddings by embedder. Items here are immutable copies, so they can be
/// handed to callers as they are.
/// </summary>
internal sealed class StoredMemory(string tenant, MemoryItem current)
{
    private MemoryItem current = current;

    /// <summary>The tenant the memory belongs to.</summary>
    public string Tenant { get; } = tenant;

    /// <summary>The current version.</summary>
    public MemoryItem Current
    {
        get => current;
        set
        {
            current = value;
            document = null;
        }
    }

    /// <summary>Superseded versions, oldest first, as the writer described them.</summary>
    public List<MemoryItem> History { get; } = [];

    /// <summary>Embeddings by embedder identity; they leave with the memory.</summary>
    public Dictionary<string, StoredEmbedding> Embeddings { get; } = new(StringComparer.Ordinal);

    private LexicalDocument? document;

    /// <summary>The current version's searchable columns, analysed on first use after each change.</summary>
    public LexicalDocument Document => document ??= LexicalDocument.Of(current);
}
