namespace AgentMem.Stores.Common;

/// <summary>
/// What the SQL stores say differently: how a value of each kind is bound, how a time or a JSON column is read back, and
/// how a list of values enters a statement. The statements written once in <see cref="SqlMemoryStore"/> and its helpers
/// use <c>@name</c> placeholders (which both SQLite and PostgreSQL read) and ask the dialect for everything else, so each
/// store runs the same SQL it would have written itself.
/// </summary>
internal abstract class SqlDialect
{
    /// <summary>The select-list expression of a JSON column read as text (PostgreSQL's <c>jsonb</c> needs a cast).</summary>
    public abstract string JsonText(string column);

    /// <summary>
    /// A column in a condition that must not pick the index (SQLite's <c>+column</c>), so the planner answers through
    /// a more selective one; the column as it is where the planner needs no such hint.
    /// </summary>
    public abstract string Unindexed(string column);

    /// <summary>
    /// The condition that a row of <paramref name="alias"/> (a table with a <c>memory_id</c> column) belongs to memory
    /// <c>m</c>: by id alone where ids are unique in the database (SQLite), by tenant and id where they are unique per
    /// tenant and keys lead with the tenant (PostgreSQL).
    /// </summary>
    public abstract string OfMemory(string alias);

    /// <summary>
    /// The statement that answers a row when memory id <c>@id</c> is taken, as a restore must not reuse it: anywhere in the
    /// database where ids are unique there (SQLite), in tenant <c>@t</c> where they are unique per tenant (PostgreSQL; said
    /// in the statement, as a role that bypasses row-level security sees every tenant's rows).
    /// </summary>
    public abstract string MemoryIdTakenSql { get; }

    /// <summary>The column that orders a memory's links as they were written.</summary>
    public abstract string LinkOrder { get; }

    /// <summary>
    /// The statement that writes one link of a memory's current version (@t, @s, @d, @y, @w, @r), replacing the weight and
    /// reason of an earlier link of the same target and type.
    /// </summary>
    public abstract string InsertLinkSql { get; }

    /// <summary>
    /// The most values a list that can be split puts in one statement (SQLite binds up to this many one by one); a longer
    /// list is sent in several statements.
    /// </summary>
    public abstract int MaxListLength { get; }

    /// <summary>Reads a non-null time column.</summary>
    public abstract DateTimeOffset ReadTime(DbDataReader r, int ordinal);

    /// <summary>Binds a non-null value whose type the driver infers (numbers, required text).</summary>
    public abstract void Add(DbCommand cmd, string name, object value);

    /// <summary>Binds an optional integer (null as SQL NULL).</summary>
    public abstract void AddNumber(DbCommand cmd, string name, int? value);

    /// <summary>Binds optional text (null as SQL NULL).</summary>
    public abstract void AddText(DbCommand cmd, string name, string? value);

    /// <summary>Binds optional JSON text (null as SQL NULL).</summary>
    public abstract void AddJson(DbCommand cmd, string name, string? json);

    /// <summary>Binds an optional time (null as SQL NULL).</summary>
    public abstract void AddTime(DbCommand cmd, string name, DateTimeOffset? value);

    /// <summary>
    /// Appends "<paramref name="column"/> is one of <paramref name="values"/>", binding them under <paramref name="name"/>,
    /// however many there are.
    /// </summary>
    public abstract void AppendIn(StringBuilder sql, DbCommand cmd, string column, string name, IReadOnlyList<string> values);

    /// <summary>Appends "<paramref name="column"/> is one of <paramref name="values"/>" for enum numbers.</summary>
    public abstract void AppendIn(StringBuilder sql, DbCommand cmd, string column, string name, IReadOnlyList<int> values);

    /// <summary>
    /// Appends "the tag of the <c>memory_tags</c> row <paramref name="alias"/> is one of <paramref name="tags"/>", compared
    /// without case as tags are: the stored key against the tags' keys (<see cref="TagKey"/>), a plain equality that the
    /// (tenant, tag_key) index serves (under PostgreSQL's row-level security too, which keeps a function applied to the row
    /// out of an index scan).
    /// </summary>
    public void AppendTagIn(StringBuilder sql, DbCommand cmd, string alias, string name, IReadOnlyList<string> tags) =>
        AppendIn(sql, cmd, alias + ".tag_key", name, [.. tags.Select(TagKey.Of)]);

    /// <summary>
    /// Appends a whole lexical search: <paramref name="columns"/> of <c>memories m</c> and then a score (higher is better) of
    /// the memories that match any of <paramref name="terms"/> (distinct, trimmed, none empty) and <paramref name="filter"/>
    /// (a condition over <c>memories m</c> whose parameters are bound already; a dialect may use it more than once), best
    /// first, ties by id, at most <c>@limit</c> of them (the caller binds it).
    /// </summary>
    public abstract void AppendLexicalSearch(StringBuilder sql, DbCommand cmd, string columns, IReadOnlyList<string> terms, string filter);

    /// <summary>
    /// What a SELECT ends with to lock the rows it reads until the transaction ends: <c>FOR UPDATE</c>, or nothing where a
    /// write transaction already excludes every other writer (SQLite).
    /// </summary>
    public abstract string LockRows { get; }

    /// <summary>
    /// <see cref="LockRows"/> for a row whose key the transaction will not change: it still excludes other writers of the
    /// row, but not the key-share locks of inserts that refer to it (PostgreSQL <c>FOR NO KEY UPDATE</c>).
    /// </summary>
    public virtual string LockRowsKeepingKey => LockRows;

    /// <summary>
    /// What a SELECT ends with to keep the rows it reads from being deleted until the transaction ends, without excluding
    /// their other writers (PostgreSQL <c>FOR KEY SHARE</c>, as a foreign key's check takes); nothing where a write
    /// transaction already excludes every other writer (SQLite).
    /// </summary>
    public virtual string LockRowsFromDeletion => LockRows;

    /// <summary>Whether <paramref name="ex"/> is a unique-key violation that a concurrent writer can cause (so it is reported as the clash it is).</summary>
    public abstract bool IsConcurrentUniqueViolation(Exception ex);
}
