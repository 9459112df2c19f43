namespace AgentMem.Stores.Sqlite;

/// <summary>Turns plain terms into an FTS5 MATCH expression that cannot carry operators.</summary>
internal static class FtsQuery
{
    /// <summary>Each term (see <see cref="SearchTerms.Distinct"/>) becomes a quoted string (quotes doubled); terms are OR-ed.</summary>
    public static string AnyOf(IReadOnlyList<string> terms) =>
        string.Join(" OR ", terms.Select(term => "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
}
