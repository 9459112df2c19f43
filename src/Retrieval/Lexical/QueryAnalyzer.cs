using System.Text;

namespace AgentMem.Retrieval.Lexical;

/// <summary>
/// Splits a natural-language query into lower-case word terms and drops English function words, so a
/// keyword index ranks on the words that carry meaning. Stemming is left to the index (FTS5 porter).
/// </summary>
public static class QueryAnalyzer
{
    /// <summary>Longest query term kept; longer tokens are almost always noise (hashes, URLs).</summary>
    public const int MaxTermLength = 64;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
        "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
        "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if",
        "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor",
        "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out",
        "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their",
        "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to",
        "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while",
        "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves",
        "s", "t", "d", "ll", "m", "re", "ve",
    };

    /// <summary>Distinct content terms of <paramref name="query"/>, in order; all words if every word is a stop word.</summary>
    public static IReadOnlyList<string> Terms(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var all = new List<string>();
        var sb = new StringBuilder();
        foreach (char c in query.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                Flush(sb, all);
            }
        }

        Flush(sb, all);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var content = new List<string>(all.Count);
        foreach (string term in all)
        {
            if (!StopWords.Contains(term) && seen.Add(term))
            {
                content.Add(term);
            }
        }

        return content.Count > 0 ? content : all.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void Flush(StringBuilder sb, List<string> terms)
    {
        if (sb.Length > 0 && sb.Length <= MaxTermLength)
        {
            terms.Add(sb.ToString());
        }

        sb.Clear();
    }
}
