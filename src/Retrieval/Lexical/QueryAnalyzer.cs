namespace AgentMem.Retrieval.Lexical;

/// <summary>
/// Turns a natural-language query into the plain words sent to a full-text index: lower-case, function
/// words dropped (all words kept if every word is one). Stemming is left to the index (FTS5 porter).
/// </summary>
public static class QueryAnalyzer
{
    /// <summary>Distinct content words of <paramref name="query"/>, in order; all words if every word is a stop word.</summary>
    public static IReadOnlyList<string> Terms(string query)
    {
        var all = TextAnalyzer.Words(query);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var content = new List<string>(all.Count);
        foreach (string term in all)
        {
            if (!TextAnalyzer.IsStopWord(term) && seen.Add(term))
            {
                content.Add(term);
            }
        }

        return content.Count > 0 ? content : all.Distinct(StringComparer.Ordinal).ToList();
    }
}
