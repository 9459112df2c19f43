using System.Runtime.CompilerServices;

namespace AgentMem.Stores.Postgres;

/// <summary>
/// Audit lines numbered in commit order. A reader pages the log by sequence ("lines after N"), which reaches every line only
/// if no line can commit with a number below one already seen. Identity numbers are drawn at insert: a write that drew 10
/// and committed after another's 11 was skipped by a reader that had read up to 11. So a transaction's lines are held
/// until its work is done and then written under a transaction-scoped lock on the tenant: within a tenant, lines are
/// numbered only by the one transaction that holds the lock and commits before the next draws. The lock is held for the
/// insert, the write ledger and the commit only; other tenants never wait (their keys differ, a hash clash only queues).
/// </summary>
public sealed partial class PostgresMemoryStore
{
    /// <summary>The advisory lock class of tenants' audit lines ("AGAU"), apart from the single-key migration lock.</summary>
    private const int AuditLockClass = 0x41474155;

    /// <summary>
    /// The lines each running transaction's work appended. Npgsql reuses a connection's transaction object, so an attempt
    /// starts its list (<see cref="BeginAudit"/>) and always ends it (<see cref="EndAudit"/>): a failed attempt's lines
    /// must never be written by the next transaction on that connection.
    /// </summary>
    private readonly ConditionalWeakTable<NpgsqlTransaction, List<AuditRecord>> pendingAudit = [];

    private protected override Task InsertAuditAsync(DbConnection conn, DbTransaction? tx, string tenant, AuditRecord audit, CancellationToken ct)
    {
        if (tx is not NpgsqlTransaction transaction || !pendingAudit.TryGetValue(transaction, out var lines))
        {
            throw new InvalidOperationException("An audit line is written inside a store transaction only.");
        }

        lines.Add(audit);
        return Task.CompletedTask;
    }

    private protected override Task AuditInBatchAsync(SqlStatementBatch writes, DbConnection conn, DbTransaction? tx, string tenant, AuditRecord audit, CancellationToken ct) =>
        InsertAuditAsync(conn, tx, tenant, audit, ct);

    private void BeginAudit(NpgsqlTransaction tx) => pendingAudit.AddOrUpdate(tx, []);

    private void EndAudit(NpgsqlTransaction tx) => pendingAudit.Remove(tx);

    /// <summary>Writes the lines <paramref name="tx"/>'s work appended, under the tenant's audit lock (held until the transaction ends).</summary>
    private async Task WritePendingAuditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string tenant, CancellationToken ct)
    {
        if (!pendingAudit.TryGetValue(tx, out var lines) || lines.Count == 0)
        {
            return;
        }

        using (var gate = Command(conn, tx, "SELECT pg_advisory_xact_lock(@k, hashtext(@t));"))
        {
            gate.Parameters.AddWithValue("k", AuditLockClass);
            gate.Parameters.AddWithValue("t", tenant);
            await gate.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await InsertAuditLinesAsync(conn, tx, tenant, lines, ct).ConfigureAwait(false);
    }
}
