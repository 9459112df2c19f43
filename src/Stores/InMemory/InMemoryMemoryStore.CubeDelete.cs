namespace AgentMem.Stores.InMemory;

/// <summary>Deleting a cube with everything kept for it.</summary>
public sealed partial class InMemoryMemoryStore
{
    /// <inheritdoc/>
    public Task<int?> DeleteCubeAsync(string tenant, string cubeId, AuditRecord audit, CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentNullException.ThrowIfNull(audit);
        var data = Database.Find(tenant);
        if (data is null || !data.Cubes.Remove(cubeId))
        {
            return (int?)null;
        }

        // Versions, tags and embeddings live on the stored memory and go with it; links into the cube leave the rest.
        var ids = data.Memories.Where(m => m.Value.Current.CubeId == cubeId).Select(m => m.Key).ToHashSet();
        foreach (var id in ids)
        {
            data.Memories.Remove(id);
            Database.MemoriesById.Remove(id);
        }

        foreach (var other in data.Memories.Values)
        {
            if (other.Current.Links.Any(l => ids.Contains(l.Target)))
            {
                other.Current = ImmutableCopy.OfCurrent(other.Current with { Links = [.. other.Current.Links.Where(l => !ids.Contains(l.Target))] });
            }
        }

        data.Changes.Remove(cubeId);
        data.Audit.Add(ImmutableCopy.Of(audit, tenant));
        return (int?)ids.Count;
    }, cancellationToken);
}
