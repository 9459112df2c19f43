namespace AgentMem.Stores.InMemory;

/// <summary>Deleting a cube with everything kept for it: a purge of every memory in it.</summary>
public sealed partial class InMemoryMemoryStore
{
    /// <inheritdoc/>
    public Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default) =>
        DeleteCubeAsync(tenant, cubeId, audit, new PurgeCleanUp(null, null), cancellationToken);

    /// <inheritdoc/>
    /// <remarks><see cref="PurgeCleanUp.BeforeCommit"/> runs under the store's lock once the cube is found, before anything changes.</remarks>
    public async Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, PurgeCleanUp cleanUp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cleanUp);
        int? removed = await Run(() => DeleteCube(tenant, cubeId, audit, cleanUp), cancellationToken).ConfigureAwait(false);
        if (removed is { } count)
        {
            cleanUp.AfterCommit?.Invoke(count);
        }

        return removed;
    }

    private int? DeleteCube(string tenant, string cubeId, AuditRecord audit, PurgeCleanUp cleanUp)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentNullException.ThrowIfNull(audit);
        var data = Database.Find(tenant);
        if (data is null || !data.Cubes.ContainsKey(cubeId))
        {
            return null;
        }

        cleanUp.BeforeCommit?.Invoke([]);
        data.Cubes.Remove(cubeId);

        // Versions, tags and embeddings live on the stored memory and go with it; what the rest of the tenant keeps of
        // the cube's memories (links, snapshots, reasons, audit details) is scrubbed as a purge of them would.
        var doomed = new PurgedIds(data.Memories.Where(m => m.Value.Current.CubeId == cubeId).Select(m => m.Key));
        foreach (var id in doomed.Ids)
        {
            data.Memories.Remove(id);
            Database.MemoriesById.Remove(id);
        }

        ScrubReferences(data, doomed);
        // The feed keeps its purge records, as the SQL stores' do: a reader behind them learns of purges made before the
        // delete too (also when the cube is restored under its id first), and the cube's sequence never goes back.
        data.Changes.GetValueOrDefault(cubeId)?.RemoveAll(c => !c.Purged);
        foreach (var id in doomed.Ids)
        {
            AppendChange(data, cubeId, id, purged: true); // as the SQL stores keep them: other indexes learn the memories are gone
        }

        data.Audit.Add(ImmutableCopy.Of(audit, tenant));
        return doomed.Count;
    }
}
