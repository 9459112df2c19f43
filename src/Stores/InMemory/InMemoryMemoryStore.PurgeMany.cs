namespace AgentMem.Stores.InMemory;

public sealed partial class InMemoryMemoryStore
{
    /// <inheritdoc/>
    public Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
        var data = Database.Find(tenant);
        if (data is null)
        {
            return 0;
        }

        var removed = new HashSet<MemoryId>();
        foreach (var id in ids)
        {
            if (data.Memories.Remove(id, out var stored))
            {
                Database.MemoriesById.Remove(id);
                AppendChange(data, stored.Current.CubeId, id, purged: true);
                removed.Add(id);
            }
        }

        // Links to the removed memories leave the memories that pointed at them, as a single purge does.
        foreach (var other in data.Memories.Values)
        {
            if (other.Current.Links.Any(l => removed.Contains(l.Target)))
            {
                other.Current = ImmutableCopy.OfCurrent(other.Current with { Links = [.. other.Current.Links.Where(l => !removed.Contains(l.Target))] });
            }
        }

        data.Audit.Add(ImmutableCopy.Of(audit, tenant));
        return removed.Count;
    }, cancellationToken);
}
