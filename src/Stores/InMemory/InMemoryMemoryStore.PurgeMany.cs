namespace AgentMem.Stores.InMemory;

/// <summary>Purging memories: one memory, or many at once (forgetting a user, a memory with what was derived from it).</summary>
public sealed partial class InMemoryMemoryStore
{
    /// <inheritdoc/>
    public Task<bool> PurgeAsync(string tenant, MemoryId id, AuditRecord audit, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(audit);
        return PurgeAndScrub(tenant, [id], audit, auditWhenNone: false) > 0;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, IReadOnlyCollection<MemoryId>? unlessFrozen = null, CancellationToken cancellationToken = default) =>
        PurgeManyAsync(tenant, ids, audit, unlessFrozen, new PurgeCleanUp(null, null), cancellationToken);

    /// <inheritdoc/>
    /// <remarks><see cref="PurgeCleanUp.BeforeCommit"/> runs under the store's lock once the checks have passed, before anything changes.</remarks>
    public async Task<int> PurgeManyAsync(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, IReadOnlyCollection<MemoryId>? unlessFrozen, PurgeCleanUp cleanUp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(cleanUp);
        int purged = await Run(() =>
        {
            var data = Database.Find(tenant);

            // Under the store's lock, as the SQL stores check inside their transaction.
            if (unlessFrozen is { Count: > 0 } && data is not null)
            {
                foreach (var id in unlessFrozen)
                {
                    if (data.Memories.TryGetValue(id, out var stored) && stored.Current.State == LifecycleState.Frozen)
                    {
                        throw FrozenPurge.Refusal(id);
                    }
                }
            }

            cleanUp.BeforeCommit?.Invoke(data is null ? [] : [.. ids.Distinct().Where(data.Memories.ContainsKey)]);
            return PurgeAndScrub(tenant, ids, audit, auditWhenNone: true);
        }, cancellationToken).ConfigureAwait(false);
        cleanUp.AfterCommit?.Invoke(purged);
        return purged;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<MemoryId>> FindLinkSourcesAsync(string tenant, IReadOnlyCollection<MemoryId> targets, IReadOnlyCollection<string>? linkTypes, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(targets);
        var wanted = targets.ToHashSet();
        var types = linkTypes?.ToHashSet(StringComparer.Ordinal);
        if (Database.Find(tenant) is not { } data)
        {
            return (IReadOnlyList<MemoryId>)[];
        }

        return [.. data.Memories.Values.Where(m => m.Current.Links.Any(l => wanted.Contains(l.Target) && (types is null || types.Contains(l.Type)))).Select(m => m.Current.Id)];
    }, cancellationToken);

    // As the SQL stores do in one transaction: the memories go with their history, embeddings and change-feed entry; what
    // the others keep of them is scrubbed (PurgedReferences); the audit line comes last, after the redaction.
    private int PurgeAndScrub(string tenant, IReadOnlyList<MemoryId> ids, AuditRecord audit, bool auditWhenNone)
    {
        var data = Database.Find(tenant);
        if (data is null)
        {
            return 0;
        }

        var removed = new List<MemoryId>();
        foreach (var id in ids.Distinct())
        {
            if (data.Memories.Remove(id, out var stored))
            {
                Database.MemoriesById.Remove(id);
                AppendChange(data, stored.Current.CubeId, id, purged: true);
                removed.Add(id);
            }
        }

        if (removed.Count > 0)
        {
            ScrubReferences(data, new PurgedIds(removed));
        }

        if (removed.Count > 0 || auditWhenNone)
        {
            data.Audit.Add(ImmutableCopy.Of(audit, tenant));
        }

        return removed.Count;
    }

    /// <summary>What the memories left and the audit log say of <paramref name="purged"/>, scrubbed as the SQL stores do.</summary>
    private static void ScrubReferences(TenantData data, PurgedIds purged)
    {
        foreach (var other in data.Memories.Values)
        {
            // The current version loses its links to them as a snapshot does, and a reason naming one is redacted.
            if (PurgedReferences.Scrub(other.Current, purged) is { } current)
            {
                other.Current = ImmutableCopy.OfCurrent(current);
            }

            for (int i = 0; i < other.History.Count; i++)
            {
                if (PurgedReferences.Scrub(other.History[i], purged) is { } snapshot)
                {
                    other.History[i] = ImmutableCopy.Of(snapshot);
                }
            }
        }

        for (int i = 0; i < data.Audit.Count; i++)
        {
            if (PurgedReferences.Redact(data.Audit[i], purged) is { } redacted)
            {
                data.Audit[i] = redacted;
            }
        }
    }
}
