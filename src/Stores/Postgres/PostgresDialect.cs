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

    public override string LockRows => " FOR UPDATE";

    public override string LockRowsKeepingKey => " FOR NO KEY UPDATE";

    public override string LockRowsFromDeletion => " FOR KEY SHARE";

    public override string OfMemory(string alias) => $"{alias}.tenant = m.tenant AND {alias}.memory_id = m.id";

    public override string MemoryIdTakenSql =>
        "SELECT 1 FROM memories WHERE tenant = @t AND id = @id UNION ALL SELECT 1 FROM memory_versions WHERE tenant = @t AND memory_id = @id LIMIT 1;";

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

    // BM25 over PostgreSQL's full-text search, as FTS5 computes it but for idf's form and b: for each term a memory matches,
    // idf × tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl)) with idf = ln(1 + (N − n + 0.5) / (n + 0.5)) among the filtered
    // memories, k1 = 1.2, b = 0.5; tf = the term's field-weighted occurrence count (ts_rank_cd of a one-term query without
    // normalisation is the sum of its occurrences' weights), dl = the memory's word count (search_length, migration 5)
    // and avgdl its mean over the filtered memories. Measured (bm25 runs, R@10; docs/formats.md): LoCoMo 0.609 → 0.619,
    // longchat 0.445 → 0.523 against ts_rank as tf and distinct lexemes as dl (SQLite's FTS5: 0.597, 0.558); b = 0.5
    // measured against 0.75 on both sets. One statement: the matches, each (match, term) pair, N with avgdl, and each
    // term's idf (n from the pairs) are computed once each (MATERIALIZED: inlined, PostgreSQL re-ran the N count once per
    // row), in float8 (numeric arithmetic per pair cost a third of a search), and only the best @limit are joined back
    // for their columns. Weights {D, C, B, A}: context 0.4, actor 0.6, tags and keywords 0.8, text 1.0.
    public override void AppendLexicalSearch(StringBuilder sql, DbCommand cmd, string columns, IReadOnlyList<string> terms, string filter)
    {
        var each = PostgresTextQuery.Each(terms, (NpgsqlCommand)cmd);
        string termRows = string.Join(", ", each.Select((query, i) => string.Create(CultureInfo.InvariantCulture, $"({i}, {query})")));
        sql.Append(CultureInfo.InvariantCulture, $$"""
            WITH term AS MATERIALIZED (SELECT * FROM (VALUES {{termRows}}) AS v(i, query)),
            hit AS MATERIALIZED (
                SELECT m.tenant, m.id, m.search_vector, m.search_length::float8 AS dl FROM memories m, (SELECT {{string.Join(" || ", each)}} AS query) q
                WHERE m.search_vector @@ q.query AND {{filter}}),
            pair AS MATERIALIZED (
                SELECT h.tenant, h.id, t.i, ts_rank_cd('{0.4,0.6,0.8,1.0}', h.search_vector, t.query, 0)::float8 AS tf, h.dl
                FROM hit h, term t WHERE h.search_vector @@ t.query),
            domain AS MATERIALIZED (
                SELECT count(*)::float8 AS n, greatest(avg(m.search_length), 1)::float8 AS avgdl FROM memories m WHERE {{filter}}),
            idf AS MATERIALIZED (
                SELECT p.i, ln(1 + (greatest(d.n, count(*)) - count(*) + 0.5) / (count(*) + 0.5)) AS w
                FROM pair p, domain d GROUP BY p.i, d.n),
            best AS (
                SELECT p.tenant AS best_tenant, p.id AS best_id,
                       sum(f.w * p.tf * 2.2 / (p.tf + 1.2 * (0.5 + 0.5 * p.dl / d.avgdl))) AS score
                FROM pair p JOIN idf f ON f.i = p.i, domain d
                GROUP BY p.tenant, p.id
                ORDER BY score DESC, p.id LIMIT @limit)
            SELECT {{columns}}, b.score FROM best b JOIN memories m ON m.tenant = b.best_tenant AND m.id = b.best_id
            ORDER BY b.score DESC, m.id;
            """);
    }

    // Another node may take the key between this transaction's check and its insert.
    public override bool IsConcurrentUniqueViolation(Exception ex) => ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    private static NpgsqlParameterCollection Parameters(DbCommand cmd) => ((NpgsqlCommand)cmd).Parameters;
}
