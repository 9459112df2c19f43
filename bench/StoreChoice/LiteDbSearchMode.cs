namespace AgentMem.StoreChoice.Bench;

/// <summary>How the LiteDB prototype answers a lexical query, LiteDB having no full-text index.</summary>
internal enum LiteDbSearchMode
{
    /// <summary>An inverted index kept by LiteDB: each memory lists its distinct "cube␟term" keys in a multikey index.</summary>
    Postings,

    /// <summary>Read every memory of the cube (cube index) and rank them all with BM25 in the application.</summary>
    Scan,
}
