namespace AgentMem.Stores.Common;

/// <summary>The terms of a lexical query as every store searches for them.</summary>
internal static class SearchTerms
{
    /// <summary>The terms trimmed, the empty ones dropped and each kept once (the first spelling, ignoring case), in order.</summary>
    public static List<string> Distinct(IReadOnlyList<string> terms)
    {
        var kept = new List<string>(terms.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string raw in terms)
        {
            string term = raw.Trim();
            if (term.Length > 0 && seen.Add(term))
            {
                kept.Add(term);
            }
        }

        return kept;
    }
}
