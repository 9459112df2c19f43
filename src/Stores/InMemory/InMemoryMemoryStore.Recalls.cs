namespace AgentMem.Stores.InMemory;

/// <summary>Recall bookkeeping for the forgetting curve: counters updated in place, no new versions.</summary>
public sealed partial class InMemoryMemoryStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<RecallRecord>> RecordRecallsAsync(string tenant, IReadOnlyList<MemoryId> ids, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken = default) => Run<IReadOnlyList<RecallRecord>>(() =>
    {
        StoreArguments.RequireRecalls(ids, audit);
        if (ids.Count == 0 || Database.Find(tenant) is not { } data)
        {
            return [];
        }

        var records = new List<RecallRecord>();
        foreach (var id in ids.Distinct())
        {
            if (!data.Memories.TryGetValue(id, out var stored) || stored.Current.State is not (LifecycleState.Active or LifecycleState.Frozen))
            {
                continue;
            }

            var item = stored.Current;
            var recall = RecallReinforcement.Apply(id, item.CubeId, item.Version, item.Strength, item.Importance, item.LastRecalledAt ?? item.Provenance.RecordedAt, item.RecallCount, at);
            stored.Current = item with { Strength = recall.StrengthAfter, LastRecalledAt = at.ToUniversalTime(), RecallCount = recall.RecallCount };
            AppendChange(data, item.CubeId, id, purged: false);
            data.Audit.Add(ImmutableCopy.Of(recall.AuditLine(audit), tenant));
            records.Add(recall.Record());
        }

        return records;
    }, cancellationToken);
}
