namespace AgentMem.Retrieval.Lexical;

/// <summary>The corpus figures BM25 weighs a term and normalises a length with: documents, document frequency, mean length.</summary>
public interface IBm25Statistics
{
    /// <summary>Live documents of the corpus.</summary>
    int DocumentCount { get; }

    /// <summary>Mean length of the live documents, in terms, at least 1.</summary>
    float AverageLength { get; }

    /// <summary>Live documents containing <paramref name="term"/>.</summary>
    int DocumentFrequency(string term);
}
