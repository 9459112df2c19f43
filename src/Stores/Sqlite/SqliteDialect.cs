namespace AgentMem.Stores.Sqlite;

/// <summary>
/// SQLite's side of <see cref="SqlDialect"/>: times as UTC ISO-8601 text, JSON as text, lists as one parameter per value
/// (a long one as one JSON array), full-text search through the FTS5 table.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    // Column weights: text counts most; speaker, tags and keywords help; context least.
    private const string Rank = "bm25(memories_fts, 1.0, 0.6, 0.8, 0.8, 0.4)";

    public static readonly SqliteDialect Instance = new();

    private SqliteDialect()
    {
    }

    // SQLite's rowid of the links table: the order the links were inserted.
    public override string LinkOrder => "rowid";

    public override string InsertLinkSql => "INSERT OR REPLACE INTO memory_links(tenant, source_id, target_id, type, weight, reason) VALUES (@t, @s, @d, @y, @w, @r);";

    // Well under SQLite's limit on bound parameters.
    public override int MaxListLength => 500;


    public override string LockRows => "";

    public override string OfMemory(string alias) => $"{alias}.memory_id = m.id";

    public override string MemoryIdTakenSql => "SELECT 1 FROM memories WHERE id = @id UNION ALL SELECT 1 FROM memory_versions WHERE memory_id = @id LIMIT 1;";

    public override string JsonText(string column) => column;

    public override string Unindexed(string column) => "+" + column;

    public override DateTimeOffset ReadTime(DbDataReader r, int ordinal) => SqlValues.ReadTime(r, ordinal);

    public override void Add(DbCommand cmd, string name, object value) => Parameters(cmd).AddWithValue(name, value);

    public override void AddNumber(DbCommand cmd, string name, int? value) => Parameters(cmd).AddWithValue(name, value is { } v ? v : DBNull.Value);

    public override void AddText(DbCommand cmd, string name, string? value) => Parameters(cmd).AddWithValue(name, SqlValues.OrNull(value));

    public override void AddJson(DbCommand cmd, string name, string? json) => Parameters(cmd).AddWithValue(name, SqlValues.OrNull(json));

    public override void AddTime(DbCommand cmd, string name, DateTimeOffset? value) => Parameters(cmd).AddWithValue(name, SqlValues.TimeOrNull(value));

    public override void AppendIn(StringBuilder sql, DbCommand cmd, string column, string name, IReadOnlyList<string> values)
    {
        // A list that one statement must hold whole (a filter's tags) may pass SQLite's 32,766 bound parameters: a long one
        // goes as one JSON array, written as the stores write tags so each value reaches SQLite as a parameter of its own would.
        if (values.Count > MaxListLength)
        {
            sql.Append(column).Append(" IN (SELECT value FROM json_each(").Append(name).Append("))");
            Parameters(cmd).AddWithValue(name, StoreJson.SerializeLabels(values));
            return;
        }

        sql.Append(column).Append(" IN (");
        for (int i = 0; i < values.Count; i++)
        {
            string parameter = string.Create(CultureInfo.InvariantCulture, $"{name}{i}");
            sql.Append(i == 0 ? string.Empty : ",").Append(parameter);
            Parameters(cmd).AddWithValue(parameter, values[i]);
        }

        sql.Append(')');
    }

    // Enum numbers are written into the SQL: they are never text a caller chose.
    public override void AppendIn(StringBuilder sql, DbCommand cmd, string column, string name, IReadOnlyList<int> values)
    {
        sql.Append(column).Append(" IN (");
        for (int i = 0; i < values.Count; i++)
        {
            sql.Append(i == 0 ? string.Empty : ",").Append(values[i].ToString(CultureInfo.InvariantCulture));
        }

        sql.Append(')');
    }

    public override void AppendLexicalSearch(StringBuilder sql, DbCommand cmd, string columns, IReadOnlyList<string> terms, string filter)
    {
        sql.Append(CultureInfo.InvariantCulture, $"SELECT {columns}, -{Rank} AS score FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid ")
            .Append(CultureInfo.InvariantCulture, $"WHERE memories_fts MATCH @match AND {filter} ORDER BY {Rank}, m.id LIMIT @limit;");
        Parameters(cmd).AddWithValue("@match", FtsQuery.AnyOf(terms));
    }

    // Writes are serialised (one IMMEDIATE transaction at a time), so no other writer can take a key between a check and an insert.
    public override bool IsConcurrentUniqueViolation(Exception ex) => false;

    private static SqliteParameterCollection Parameters(DbCommand cmd) => ((SqliteCommand)cmd).Parameters;
}
