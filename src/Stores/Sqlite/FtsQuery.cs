namespace AgentMem.Stores.Sqlite;

/// <summary>Turns plain terms into an FTS5 MATCH expression that cannot carry operators.</summary>
internal static class FtsQuery
{
    /// <summary>Each term becomes a quoted string (quotes doubled); terms are OR-ed. Null if no usable term.</summary>
    public static string? AnyOf(IReadOnlyList<string> terms)
    {
        var sb = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string raw in terms)
        {
            string term = raw.Trim();
            if (term.Length == 0 || !seen.Add(term))
            {
                continue;
            }

            if (sb.Length > 0)
            {
                sb.Append(" OR ");
            }

            sb.Append('"').Append(term.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }

        return sb.Length == 0 ? null : sb.ToString();
    }
}
