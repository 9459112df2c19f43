namespace AgentMem.Stores.Postgres;

/// <summary>The locks a recall takes before it reads, since writers on other nodes run concurrently.</summary>
public sealed partial class PostgresMemoryStore
{
    /// <summary>
    /// The rows are locked from read to write, so concurrent recalls (any node) never lose an increment; the ledger makes a
    /// retried call count once. Locks are taken in one order, memory rows by id and then change counters by cube, so
    /// recalls of the same memories in different orders wait for each other instead of deadlocking.
    /// </summary>
    private protected override async Task LockForRecallAsync(DbConnection conn, DbTransaction? tx, string tenant, List<MemoryId> ids, CancellationToken ct)
    {
        var npgsql = (NpgsqlConnection)conn;
        var transaction = (NpgsqlTransaction)tx!;
        var cubes = new List<string>();
        using (var lockRows = Command(npgsql, transaction, "SELECT DISTINCT cube_id FROM (SELECT cube_id FROM memories WHERE tenant = @t AND id = ANY(@ids) ORDER BY id FOR UPDATE) locked;"))
        {
            lockRows.Parameters.AddWithValue("t", tenant);
            lockRows.Parameters.AddWithValue("ids", ids.Select(i => i.ToString()).ToArray());
            var r = await lockRows.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var rScope = r.ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                cubes.Add(r.GetString(0));
            }
        }

        await LockChangeCountersAsync(npgsql, transaction, tenant, cubes, ct).ConfigureAwait(false);
    }
}
