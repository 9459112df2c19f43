namespace AgentMem.Stores.Postgres;

/// <summary>
/// Turns plain terms into a <c>tsquery</c> expression that cannot carry operators: each term is a bound parameter read by
/// <c>phraseto_tsquery</c> (which treats &amp;, |, !, : and quotes as text, and keeps a several-word term a phrase, as
/// SQLite's quoted FTS5 strings do), and the terms are OR-ed.
/// </summary>
internal static class PostgresTextQuery
{
    /// <summary>The text search configuration of the index and of queries: English stemming and stop words.</summary>
    public const string Configuration = "english";

    /// <summary>An expression of type tsquery over parameters added to <paramref name="cmd"/>; null if no usable term.</summary>
    public static string? AnyOf(IReadOnlyList<string> terms, NpgsqlCommand cmd)
    {
        var sql = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string raw in terms)
        {
            string term = raw.Trim();
            if (term.Length == 0 || !seen.Add(term))
            {
                continue;
            }

            string name = string.Create(CultureInfo.InvariantCulture, $"q{seen.Count - 1}");
            sql.Append(sql.Length == 0 ? "(" : " || ").Append(CultureInfo.InvariantCulture, $"phraseto_tsquery('{Configuration}', @{name})");
            cmd.Parameters.AddWithValue(name, term);
        }

        return sql.Length == 0 ? null : sql.Append(')').ToString();
    }
}
