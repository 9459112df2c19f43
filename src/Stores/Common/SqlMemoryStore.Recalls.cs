namespace AgentMem.Stores.Common;

/// <summary>Recall bookkeeping for the forgetting curve: in-place counter updates, no new versions.</summary>
public abstract partial class SqlMemoryStore
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
        return await InWriteAsync<IReadOnlyList<RecallRecord>>(tenant, async (conn, tx, ct) =>
        {
            // Read and write in one write transaction (with the rows locked first, where writers run concurrently), so
            // concurrent recalls never lose an increment.
            await LockForRecallAsync(conn, tx, tenant, distinct, ct).ConfigureAwait(false);
            using var read = Command(conn, tx, $"""
                SELECT cube_id, version, strength, importance, coalesce(last_recalled_at, recorded_at), recall_count
                FROM memories WHERE tenant = @t AND id = @id AND state IN ({(int)LifecycleState.Active}, {(int)LifecycleState.Frozen});
                """);
            using var write = Command(conn, tx, "UPDATE memories SET strength = @s, last_recalled_at = @at, recall_count = @n WHERE tenant = @t AND id = @id;");
            var records = new List<RecallRecord>(distinct.Count);
            foreach (var id in distinct)
            {
                read.Parameters.Clear();
                Dialect.Add(read, "@t", tenant);
                Dialect.Add(read, "@id", id.ToString());
                RecallReinforcement? recall = null;
                var r = await read.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (r.ConfigureAwait(false))
                {
                    if (await r.ReadAsync(ct).ConfigureAwait(false))
                    {
                        recall = RecallReinforcement.Apply(id, r.GetString(0), r.GetInt32(1), r.GetDouble(2), r.GetDouble(3), Dialect.ReadTime(r, 4), r.GetInt32(5), at);
                    }
                }

                if (recall is null)
                {
                    continue;
                }

                write.Parameters.Clear();
                Dialect.Add(write, "@t", tenant);
                Dialect.Add(write, "@id", id.ToString());
                Dialect.Add(write, "@s", recall.StrengthAfter);
                Dialect.AddTime(write, "@at", at);
                Dialect.Add(write, "@n", recall.RecallCount);
                await write.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await InsertAuditAsync(conn, tx, tenant, recall.AuditLine(audit), ct).ConfigureAwait(false);
                records.Add(recall.Record());
            }

            return records;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes whatever locks a recall of <paramref name="ids"/> needs before it reads them (none where writes are serialised).</summary>
    private protected virtual Task LockForRecallAsync(DbConnection conn, DbTransaction? tx, string tenant, List<MemoryId> ids, CancellationToken ct) =>
        Task.CompletedTask;
}
