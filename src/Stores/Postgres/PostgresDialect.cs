namespace AgentMem.Stores.Postgres;

/// <summary>
/// PostgreSQL's side of <see cref="SqlDialect"/>: native <c>timestamptz</c> and <c>jsonb</c> parameters, a list as one
/// array parameter (one statement whatever its length), full-text search over the generated <c>tsvector</c>.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    public static readonly PostgresDialect Instance = new();

    private PostgresDialect()
    {
    }

    // The links table's own column for the order the links were written.
    public override string LinkOrder => "position";

    public override string InsertLinkSql => """
        INSERT INTO memory_links(tenant, source_id, target_id, type, weight, reason) VALUES (@t, @s, @d, @y, @w, @r)
        ON CONFLICT (tenant, source_id, target_id, type) DO UPDATE SET weight = excluded.weight, reason = excluded.reason;
        """;

    public override int MaxListLength => int.MaxValue;

    public override string TextMatchOrder => "score DESC";

    public override string LockRows => " FOR UPDATE";

    public override string OfMemory(string alias) => $"{alias}.tenant = m.tenant AND {alias}.memory_id = m.id";

    public override string JsonText(string column) => column + "::text";

    public override string Unindexed(string column) => column;

    public override DateTimeOffset ReadTime(DbDataReader r, int ordinal) => PgValues.ReadTime(r, ordinal);

    public override void Add(DbCommand cmd, string name, object value) => Parameters(cmd).AddWithValue(name, value);

    public override void AddNumber(DbCommand cmd, string name, int? value) => Parameters(cmd).AddWithValue(name, NpgsqlDbType.Integer, value is { } v ? v : DBNull.Value);

    public override void AddText(DbCommand cmd, string name, string? value) => Parameters(cmd).AddWithValue(name, NpgsqlDbType.Text, PgValues.OrNull(value));

    public override void AddJson(DbCommand cmd, string name, string? json) => Parameters(cmd).AddWithValue(name, NpgsqlDbType.Jsonb, PgValues.OrNull(json));

    public override void AddTime(DbCommand cmd, string name, DateTimeOffset? value) => Parameters(cmd).AddWithValue(name, NpgsqlDbType.TimestampTz, PgValues.TimeOrNull(value));

    public override void AppendIn(StringBuilder sql, DbCommand cmd, string column, string name, IReadOnlyList<string> values)
    {
        sql.Append(column).Append(" = ANY(").Append(name).Append(')');
        Parameters(cmd).AddWithValue(name, values.Distinct(StringComparer.Ordinal).ToArray());
    }

    public override void AppendIn(StringBuilder sql, DbCommand cmd, string column, string name, IReadOnlyList<int> values)
    {
        sql.Append(column).Append(" = ANY(").Append(name).Append(')');
        Parameters(cmd).AddWithValue(name, values.ToArray());
    }

    // Case-insensitive, as SQLite's COLLATE NOCASE tag column: the stored lower-cased column against the lower-cased tags,
    // so the comparison touches the row with plain text equality and the (tenant, tag_key) index serves it under row-level
    // security (lower() applied to the row would not be allowed into the index scan).
    public override void AppendTagIn(StringBuilder sql, DbCommand cmd, string alias, string name, IReadOnlyList<string> tags)
    {
        sql.Append(alias).Append(".tag_key = ANY(ARRAY(SELECT lower(x) FROM unnest(").Append(name).Append(") x))");
        Parameters(cmd).AddWithValue(name, tags.ToArray());
    }

    // Weights {D, C, B, A}: context 0.4, actor 0.6, tags and keywords 0.8, text 1.0; flag 1 divides by 1 + log(length).
    // ts_rank rather than ts_rank_cd: on LoCoMo's bm25 run R@10 0.524 against 0.513 and half the search time (2.2 against
    // 4.0 ms at the median); on a 50,000-memory cube 51 against 71 ms (ranking every match is most of a search).
    public override void AppendTextMatch(StringBuilder sql, DbCommand cmd, IReadOnlyList<string> terms)
    {
        string tsquery = PostgresTextQuery.AnyOf(terms, (NpgsqlCommand)cmd);
        sql.Append(CultureInfo.InvariantCulture, $"ts_rank('{{0.4,0.6,0.8,1.0}}', m.search_vector, q.query, 1)::float8 AS score FROM memories m, (SELECT {tsquery} AS query) q WHERE m.search_vector @@ q.query AND");
    }

    // Another node may take the key between this transaction's check and its insert.
    public override bool IsConcurrentUniqueViolation(Exception ex) => ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    private static NpgsqlParameterCollection Parameters(DbCommand cmd) => ((NpgsqlCommand)cmd).Parameters;
}
