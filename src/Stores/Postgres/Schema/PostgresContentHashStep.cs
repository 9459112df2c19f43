namespace AgentMem.Stores.Postgres.Schema;

/// <summary>
/// Step 11's rewrite: the content hashes stored before <c>ContentRules.ComputeHash</c> normalised line breaks and a leading
/// invisible character, recomputed in .NET (<see cref="ContentHashUpgrade"/>) for every tenant's rows whose hash can
/// differ. The step's SQL unforced row-level security on <c>memories</c> and on the change feed's tables (which the
/// update's trigger writes) so the owner reaches every tenant's rows; this forces it again.
/// </summary>
/// <remarks>
/// The rows are read in pages of <see cref="PageSize"/> in primary-key order, each page's changed hashes written before the
/// next is read, all in the step's one transaction: a table of millions of memories is walked once, with one page's ids and
/// hashes held at a time (not every changed row's), and a failure part way leaves the database at the step before. Only the
/// hash is written: two rows whose texts now hash alike stay two rows (de-duplication matches new writes, it does not merge
/// stored memories). A row whose hash is right already is not written, so running the step over rows it has rewritten
/// changes nothing.
/// </remarks>
internal static class PostgresContentHashStep
{
    /// <summary>How many candidate rows one page reads before their changed hashes are written.</summary>
    internal const int PageSize = 1000;

    // ContentHashUpgrade's rows, after the last row of the page before (byte order: the key columns are COLLATE "C", and
    // '' sorts before every tenant): a CR, FF, NEL, LS or PS in the text, or a first character past ASCII white space beyond
    // ASCII.
    private const string CandidatesSql = """
        SELECT tenant, id, kind, text, payload_json::text, content_hash FROM memories
        WHERE (tenant, id) > (@after_tenant, @after_id)
            AND (text ~ '[\r\f\u0085\u2028\u2029]' OR text ~ '^[\t\n\v\f\r ]*[^\x01-\x7E]')
        ORDER BY tenant, id
        LIMIT @page;
        """;

    private const string UpdateSql = """
        UPDATE memories m SET content_hash = u.hash
        FROM unnest(@tenants, @ids, @hashes) AS u(tenant, id, hash)
        WHERE m.tenant = u.tenant AND m.id = u.id;
        """;

    /// <summary>Writes each candidate row's hash where it changed, a page at a time, then forces row-level security on the step's tables again.</summary>
    public static Task RewriteAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        RewriteAsync(connection, transaction, PageSize, cancellationToken);

    /// <summary><see cref="RewriteAsync(DbConnection, DbTransaction, CancellationToken)"/> with pages of <paramref name="pageSize"/> rows (a test walks several pages over a few rows).</summary>
    internal static async Task RewriteAsync(DbConnection connection, DbTransaction transaction, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var conn = (NpgsqlConnection)connection;
        var tx = (NpgsqlTransaction)transaction;
        string afterTenant = string.Empty, afterId = string.Empty;
        int read;
        do
        {
            List<string> tenants = [], ids = [], hashes = [];
            read = 0;
            using (var select = new NpgsqlCommand(CandidatesSql, conn, tx) { CommandTimeout = 0 })
            {
                select.Parameters.AddWithValue("after_tenant", afterTenant);
                select.Parameters.AddWithValue("after_id", afterId);
                select.Parameters.AddWithValue("page", pageSize);
                var r = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (r.ConfigureAwait(false))
                {
                    while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        read++;
                        (afterTenant, afterId) = (r.GetString(0), r.GetString(1));
                        string hash = ContentHashUpgrade.Of(r.GetInt32(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4));
                        if (!string.Equals(hash, r.GetString(5), StringComparison.Ordinal))
                        {
                            tenants.Add(afterTenant);
                            ids.Add(afterId);
                            hashes.Add(hash);
                        }
                    }
                }
            }

            if (ids.Count > 0)
            {
                using var update = new NpgsqlCommand(UpdateSql, conn, tx) { CommandTimeout = 0 };
                update.Parameters.AddWithValue("tenants", tenants.ToArray());
                update.Parameters.AddWithValue("ids", ids.ToArray());
                update.Parameters.AddWithValue("hashes", hashes.ToArray());
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        while (read == pageSize);

        using var force = new NpgsqlCommand(
            """
            ALTER TABLE memory_changes FORCE ROW LEVEL SECURITY;
            ALTER TABLE change_counters FORCE ROW LEVEL SECURITY;
            ALTER TABLE memories FORCE ROW LEVEL SECURITY;
            """,
            conn,
            tx);
        await force.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
