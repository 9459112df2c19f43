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

    /// <summary>
    /// Gives <paramref name="survivor"/> the recall counters it has with those of <paramref name="absorbed"/>
    /// (<see cref="AbsorbedRecalls"/>), in the caller's transaction, which has updated both rows already (so, where rows are
    /// locked, holds them: no recall can change either between this read and the write).
    /// </summary>
    private async Task AbsorbRecallsAsync(DbConnection conn, DbTransaction? tx, string tenant, MemoryId survivor, MemoryId absorbed, CancellationToken ct)
    {
        var counters = new Dictionary<string, (double Strength, DateTimeOffset? LastRecalledAt, int RecallCount)>(StringComparer.Ordinal);
        using (var read = Command(conn, tx, "SELECT id, strength, last_recalled_at, recall_count FROM memories WHERE tenant = @t AND id IN (@a, @b);"))
        {
            Dialect.Add(read, "@t", tenant);
            Dialect.Add(read, "@a", survivor.ToString());
            Dialect.Add(read, "@b", absorbed.ToString());
            var r = await read.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (r.ConfigureAwait(false))
            {
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    counters[r.GetString(0)] = (r.GetDouble(1), r.IsDBNull(2) ? null : Dialect.ReadTime(r, 2), r.GetInt32(3));
                }
            }
        }

        var (strength, last, count) = AbsorbedRecalls.Combine(counters[survivor.ToString()], counters[absorbed.ToString()]);
        using var write = Command(conn, tx, "UPDATE memories SET strength = @s, last_recalled_at = @at, recall_count = @n WHERE tenant = @t AND id = @id;");
        Dialect.Add(write, "@t", tenant);
        Dialect.Add(write, "@id", survivor.ToString());
        Dialect.Add(write, "@s", strength);
        Dialect.AddTime(write, "@at", last);
        Dialect.Add(write, "@n", count);
        await write.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Takes whatever locks a recall of <paramref name="ids"/> needs before it reads them (none where writes are serialised).</summary>
    private protected virtual Task LockForRecallAsync(DbConnection conn, DbTransaction? tx, string tenant, List<MemoryId> ids, CancellationToken ct) =>
        Task.CompletedTask;
}
