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

    /// <summary>An expression of type tsquery over <paramref name="terms"/> (see <see cref="SearchTerms.Distinct"/>), bound as parameters of <paramref name="cmd"/>.</summary>
    public static string AnyOf(IReadOnlyList<string> terms, NpgsqlCommand cmd)
    {
        var sql = new StringBuilder("(");
        for (int i = 0; i < terms.Count; i++)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"q{i}");
            sql.Append(i == 0 ? string.Empty : " || ").Append(CultureInfo.InvariantCulture, $"phraseto_tsquery('{Configuration}', @{name})");
            cmd.Parameters.AddWithValue(name, terms[i]);
        }

        return sql.Append(')').ToString();
    }
}
