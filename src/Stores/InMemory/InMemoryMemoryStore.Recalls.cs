using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.InMemory;

/// <summary>Recall bookkeeping for the forgetting curve: counters updated in place, no new versions.</summary>
public sealed partial class InMemoryMemoryStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<RecallRecord>> RecordRecallsAsync(string tenant, IReadOnlyList<MemoryId> ids, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken = default) => Run<IReadOnlyList<RecallRecord>>(() =>
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
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
            var anchor = item.LastRecalledAt ?? item.Provenance.RecordedAt;
            double elapsed = Math.Max(0, (at - anchor).TotalDays);
            double strength = ForgettingCurve.Reinforce(item.Strength, item.Importance, elapsed);
            int count = item.RecallCount + 1;
            stored.Current = item with { Strength = strength, LastRecalledAt = at.ToUniversalTime(), RecallCount = count };
            AppendChange(data, item.CubeId, id, purged: false);
            var line = audit with { CubeId = item.CubeId, MemoryId = id.ToString(), Version = item.Version, Detail = RecallAuditDetail.Describe(audit.Detail, item.Strength, strength, elapsed, count) };
            data.Audit.Add(ImmutableCopy.Of(line, tenant));
            records.Add(new RecallRecord(id, strength, at, count));
        }

        return records;
    }, cancellationToken);
}
