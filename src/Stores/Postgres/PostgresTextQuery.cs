namespace AgentMem.Stores.Postgres;

/// <summary>
/// Turns plain terms into a <c>tsquery</c> expression that cannot carry operators: each term is a bound parameter read by
/// <c>phraseto_tsquery</c> (which treats &amp;, |, !, : and quotes as text, and keeps a several-word term a phrase, as
/// SQLite's quoted FTS5 strings do); a search OR-s them.
/// </summary>
internal static class PostgresTextQuery
{
    /// <summary>The text search configuration of the index and of queries: English stemming and stop words.</summary>
    public const string Configuration = "english";

    /// <summary>
    /// One <c>tsquery</c> expression per term of <paramref name="terms"/> (see <see cref="SearchTerms.Distinct"/>), in order,
    /// each reading its term from a parameter bound on <paramref name="cmd"/>.
    /// </summary>
    public static IReadOnlyList<string> Each(IReadOnlyList<string> terms, NpgsqlCommand cmd)
    {
        var queries = new string[terms.Count];
        for (int i = 0; i < terms.Count; i++)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"q{i}");
            queries[i] = $"phraseto_tsquery('{Configuration}', @{name})";
            cmd.Parameters.AddWithValue(name, terms[i]);
        }

        return queries;
    }
}
