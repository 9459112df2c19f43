namespace AgentMem.Stores.Common;

/// <summary>The terms of a lexical query as every store searches for them.</summary>
internal static class SearchTerms
{
    /// <summary>
    /// The terms with each control character made a space, trimmed, the empty ones dropped and each kept once (the first
    /// spelling, ignoring case), in order. A control character separates words as a space does, in both engines'
    /// tokenizers and in the in-memory store's, but not in the query text around them: SQLite's FTS5 reads a MATCH
    /// expression only up to a NUL, so a quoted term cut there failed as "unterminated string", and PostgreSQL refuses a
    /// NUL in text outright.
    /// </summary>
    public static List<string> Distinct(IReadOnlyList<string> terms)
    {
        var kept = new List<string>(terms.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string raw in terms)
        {
            string term = WithoutControls(raw).Trim();
            if (term.Length > 0 && seen.Add(term))
            {
                kept.Add(term);
            }
        }

        return kept;
    }

    private static string WithoutControls(string term) =>
        term.Any(char.IsControl)
            ? string.Create(term.Length, term, static (chars, source) =>
            {
                for (int i = 0; i < source.Length; i++)
                {
                    chars[i] = char.IsControl(source[i]) ? ' ' : source[i];
                }
            })
            : term;
}
