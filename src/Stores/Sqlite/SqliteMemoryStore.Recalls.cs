namespace AgentMem.Stores.Sqlite;

/// <summary>Recall bookkeeping for the forgetting curve: in-place counter updates, no new versions.</summary>
public sealed partial class SqliteMemoryStore
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
        return await WriteAsync(tenant, (conn, tx) =>
        {
            // Read and write in one IMMEDIATE transaction, so concurrent recalls never lose an increment.
            using var read = Command(conn, tx, $"""
                SELECT cube_id, version, strength, importance, last_recalled_at, recorded_at, recall_count
                FROM memories WHERE tenant = $t AND id = $id AND state IN ({(int)LifecycleState.Active}, {(int)LifecycleState.Frozen});
                """);
            using var write = Command(conn, tx, "UPDATE memories SET strength = $s, last_recalled_at = $at, recall_count = $n WHERE tenant = $t AND id = $id;");
            var records = new List<RecallRecord>(distinct.Count);
            foreach (var id in distinct)
            {
                read.Parameters.Clear();
                read.Parameters.AddWithValue("$t", tenant);
                read.Parameters.AddWithValue("$id", id.ToString());
                string cube;
                int version;
                double strength;
                double importance;
                DateTimeOffset anchor;
                int count;
                using (var r = read.ExecuteReader())
                {
                    if (!r.Read())
                    {
                        continue;
                    }

                    cube = r.GetString(0);
                    version = r.GetInt32(1);
                    strength = r.GetDouble(2);
                    importance = r.GetDouble(3);
                    anchor = SqlValues.ParseTime(r.IsDBNull(4) ? r.GetString(5) : r.GetString(4));
                    count = r.GetInt32(6);
                }

                var recall = RecallReinforcement.Apply(id, cube, version, strength, importance, anchor, count, at);
                write.Parameters.Clear();
                write.Parameters.AddWithValue("$t", tenant);
                write.Parameters.AddWithValue("$id", id.ToString());
                write.Parameters.AddWithValue("$s", recall.StrengthAfter);
                write.Parameters.AddWithValue("$at", SqlValues.Time(at));
                write.Parameters.AddWithValue("$n", recall.RecallCount);
                write.ExecuteNonQuery();
                InsertAudit(conn, tx, tenant, recall.AuditLine(audit));
                records.Add(recall.Record());
            }

            return (IReadOnlyList<RecallRecord>)records;
        }, cancellationToken).ConfigureAwait(false);
    }
}
