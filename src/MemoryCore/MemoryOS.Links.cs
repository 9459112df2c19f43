namespace AgentMem.MemoryCore;

/// <summary>Following links backwards: which memories point to one.</summary>
public sealed partial class MemoryOS
{
    /// <summary>
    /// The links to <paramref name="id"/> from the memories of its own cube, each with the linking memory's current
    /// version: the linking memories in creation order, each one's links in its order. Found through the store's index of
    /// link targets, so the cost follows the links, not the cube.
    /// </summary>
    /// <param name="actor">Who asks; needs read access to the memory's cube.</param>
    /// <param name="id">The memory linked to.</param>
    /// <param name="filter">Narrows the linking memories as <see cref="ListAsync"/>'s filter does (by default the live
    /// states); its cube is always the memory's own.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="MemoryNotFoundException">No memory <paramref name="id"/> in the actor's tenant.</exception>
    /// <exception cref="AccessDeniedException">The actor may not read the memory's cube.</exception>
    public async Task<IReadOnlyList<IncomingLink>> GetIncomingLinksAsync(Scope actor, MemoryId id, MemoryFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var (item, _) = await LoadAsync(actor, id, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        var sources = await store.FindLinkSourcesAsync(actor.Tenant, [id], linkTypes: null, cancellationToken).ConfigureAwait(false);
        if (sources.Count == 0)
        {
            return [];
        }

        var scoped = (filter ?? new MemoryFilter()) with { CubeId = item.CubeId };
        var linking = await store.GetManyAsync(actor.Tenant, sources, cancellationToken).ConfigureAwait(false);
        return [.. linking
            .Where(m => m.Id != id && MemoryFilterMatch.Matches(scoped, m))
            .OrderBy(m => m.Id)
            .SelectMany(m => m.Links.Where(l => l.Target == id).Select(l => new IncomingLink(l, m)))];
    }
}
