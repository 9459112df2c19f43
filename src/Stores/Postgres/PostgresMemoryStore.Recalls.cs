namespace AgentMem.Stores.Postgres;

/// <summary>Recall bookkeeping for the forgetting curve: in-place counter updates, no new versions.</summary>
public sealed partial class PostgresMemoryStore
{
    /// <inheritdoc/>
    public async Task<IReadOnlyList<RecallRecord>> RecordRecallsAsync(string tenant, IReadOnlyList<MemoryId> ids, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireRecalls(ids, audit);
        if (ids.Count == 0)
        {
            return [];
        }

        var distinct = ids.Distinct().ToList();
        return await WriteAsync<IReadOnlyList<RecallRecord>>(tenant, async (conn, tx, ct) =>
        {
            // The rows are locked from read to write, so concurrent recalls (any node) never lose an increment; the ledger
            // makes a retried call count once. Locks are taken in one order, memory rows by id and then change counters by
            // cube, so recalls of the same memories in different orders wait for each other instead of deadlocking.
            var cubes = new List<string>();
            using (var lockRows = Command(conn, tx, "SELECT DISTINCT cube_id FROM (SELECT cube_id FROM memories WHERE tenant = @t AND id = ANY(@ids) ORDER BY id FOR UPDATE) locked;"))
            {
                lockRows.Parameters.AddWithValue("t", tenant);
                lockRows.Parameters.AddWithValue("ids", distinct.Select(i => i.ToString()).ToArray());
                var r = await lockRows.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var rScope = r.ConfigureAwait(false);
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    cubes.Add(r.GetString(0));
                }
            }

            await LockChangeCountersAsync(conn, tx, tenant, cubes, ct).ConfigureAwait(false);
            using var read = Command(conn, tx, $"""
                SELECT cube_id, version, strength, importance, coalesce(last_recalled_at, recorded_at), recall_count
                FROM memories WHERE tenant = @t AND id = @id AND state IN ({(int)LifecycleState.Active}, {(int)LifecycleState.Frozen});
                """);
            using var write = Command(conn, tx, "UPDATE memories SET strength = @s, last_recalled_at = @at, recall_count = @n WHERE tenant = @t AND id = @id;");
            var records = new List<RecallRecord>(distinct.Count);
            foreach (var id in distinct)
            {
                read.Parameters.Clear();
                read.Parameters.AddWithValue("t", tenant);
                read.Parameters.AddWithValue("id", id.ToString());
                string cube;
                int version;
                double strength;
                double importance;
                DateTimeOffset anchor;
                int count;
                var r = await read.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (r.ConfigureAwait(false))
                {
                    if (!await r.ReadAsync(ct).ConfigureAwait(false))
                    {
                        continue;
                    }

                    cube = r.GetString(0);
                    version = r.GetInt32(1);
                    strength = r.GetDouble(2);
                    importance = r.GetDouble(3);
                    anchor = r.GetFieldValue<DateTimeOffset>(4);
                    count = r.GetInt32(5);
                }

                var recall = RecallReinforcement.Apply(id, cube, version, strength, importance, anchor, count, at);
                write.Parameters.Clear();
                write.Parameters.AddWithValue("t", tenant);
                write.Parameters.AddWithValue("id", id.ToString());
                write.Parameters.AddWithValue("s", recall.StrengthAfter);
                write.Parameters.AddWithValue("at", NpgsqlDbType.TimestampTz, PgValues.Time(at));
                write.Parameters.AddWithValue("n", recall.RecallCount);
                await write.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await InsertAuditAsync(conn, tx, tenant, recall.AuditLine(audit), ct).ConfigureAwait(false);
                records.Add(recall.Record());
            }

            return records;
        }, cancellationToken).ConfigureAwait(false);
    }
}
