using AgentMem.MemoryCore.Notes;

namespace AgentMem.MemoryCore;

/// <summary>Following links both ways: what a memory points to, and which memories point to it.</summary>
public sealed partial class MemoryOS
{
    /// <summary>
    /// A memory with the memories its links point to and the links to it from its own cube, one hop. Each target is read
    /// as <paramref name="actor"/>: a link to a purged memory, or into a cube the actor may not read, is left out and
    /// counted in <see cref="NoteNeighborhood.Hidden"/>, so a link never reveals what its cube would not.
    /// </summary>
    /// <exception cref="MemoryNotFoundException">No memory <paramref name="id"/> in the actor's tenant.</exception>
    /// <exception cref="AccessDeniedException">The actor may not read the memory's cube.</exception>
    public Task<NoteNeighborhood> GetNeighborhoodAsync(Scope actor, MemoryId id, CancellationToken cancellationToken = default) =>
        GetNeighborhoodAsync(actor, id, int.MaxValue, cancellationToken);

    /// <summary>
    /// As <see cref="GetNeighborhoodAsync(Scope, MemoryId, CancellationToken)"/>, with at most <paramref name="limit"/> links
    /// each way: reading stops once one more is found (<see cref="NoteNeighborhood.MoreNeighbours"/>,
    /// <see cref="NoteNeighborhood.MoreLinkedFrom"/>), so a memory linked with thousands costs what the page holds.
    /// </summary>
    /// <exception cref="MemoryNotFoundException">No memory <paramref name="id"/> in the actor's tenant.</exception>
    /// <exception cref="AccessDeniedException">The actor may not read the memory's cube.</exception>
    public async Task<NoteNeighborhood> GetNeighborhoodAsync(Scope actor, MemoryId id, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var note = await GetAsync(actor, id, cancellationToken).ConfigureAwait(false);
        var neighbours = new List<(MemoryLink Link, MemoryItem Target)>(Math.Min(note.Links.Count, limit));
        int hidden = 0;
        bool moreNeighbours = false;
        foreach (var link in note.Links)
        {
            try
            {
                var target = await GetAsync(actor, link.Target, cancellationToken).ConfigureAwait(false);
                if (neighbours.Count == limit)
                {
                    moreNeighbours = true;
                    break;
                }

                neighbours.Add((link, target));
            }
            catch (Exception ex) when (ex is MemoryNotFoundException or AccessDeniedException)
            {
                hidden++;
            }
        }

        var (linkedFrom, moreLinkedFrom) = await IncomingLinksAsync(actor, id, filter: null, limit, cancellationToken).ConfigureAwait(false);
        return new NoteNeighborhood(note, neighbours, linkedFrom, hidden) { MoreNeighbours = moreNeighbours, MoreLinkedFrom = moreLinkedFrom };
    }

    /// <summary>
    /// The links to <paramref name="id"/> from the memories of its own cube, each with the linking memory's current
    /// version: the linking memories in creation order, each one's links in its order. Found through the store's index of
    /// link targets, so the cost follows the links, not the cube.
    /// </summary>
    /// <param name="actor">Who asks; needs read access to the memory's cube.</param>
    /// <param name="id">The memory linked to.</param>
    /// <param name="filter">Narrows the linking memories as <see cref="ListAsync(Scope, string, MemoryFilter?, CancellationToken)"/>'s filter does (by default the live
    /// states); its cube is always the memory's own.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="MemoryNotFoundException">No memory <paramref name="id"/> in the actor's tenant.</exception>
    /// <exception cref="AccessDeniedException">The actor may not read the memory's cube.</exception>
    public async Task<IReadOnlyList<IncomingLink>> GetIncomingLinksAsync(Scope actor, MemoryId id, MemoryFilter? filter = null, CancellationToken cancellationToken = default) =>
        (await IncomingLinksAsync(actor, id, filter, int.MaxValue, cancellationToken).ConfigureAwait(false)).Links;

    /// <summary>
    /// As <see cref="GetIncomingLinksAsync(Scope, MemoryId, MemoryFilter?, CancellationToken)"/>, the first
    /// <paramref name="limit"/> links at most: only the linking memories that page needs are read (ask for one more than
    /// you show to learn whether there are more).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    public async Task<IReadOnlyList<IncomingLink>> GetIncomingLinksAsync(Scope actor, MemoryId id, int limit, MemoryFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return (await IncomingLinksAsync(actor, id, filter, limit, cancellationToken).ConfigureAwait(false)).Links;
    }

    private const int IncomingLinkBatch = 256;

    // The linking memories are read in id order a batch at a time, until limit links and one more are found: a hub memory
    // linked from thousands loaded every one of them, in full, for a page of a few.
    private async Task<(IReadOnlyList<IncomingLink> Links, bool More)> IncomingLinksAsync(Scope actor, MemoryId id, MemoryFilter? filter, int limit, CancellationToken cancellationToken)
    {
        var (item, _) = await LoadAsync(actor, id, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        var sources = await store.FindLinkSourcesAsync(actor.Tenant, [id], linkTypes: null, cancellationToken).ConfigureAwait(false);
        var ordered = sources.Where(s => s != id).Order().ToList();
        var scoped = (filter ?? new MemoryFilter()) with { CubeId = item.CubeId };
        var links = new List<IncomingLink>();
        for (int start = 0; start < ordered.Count;)
        {
            // As many as the page still needs (each linking memory gives one link or more), at most IncomingLinkBatch.
            int wanted = Math.Min(limit - links.Count, IncomingLinkBatch - 1) + 1;
            var batch = ordered.GetRange(start, Math.Min(wanted, ordered.Count - start));
            start += batch.Count;
            var linking = await store.GetManyAsync(actor.Tenant, batch, cancellationToken).ConfigureAwait(false);
            foreach (var m in linking.Where(m => MemoryFilterMatch.Matches(scoped, m)).OrderBy(m => m.Id))
            {
                foreach (var link in m.Links.Where(l => l.Target == id))
                {
                    if (links.Count == limit)
                    {
                        return (links, true);
                    }

                    links.Add(new IncomingLink(link, m));
                }
            }
        }

        return (links, false);
    }

    /// <summary>
    /// Refuses a write whose <paramref name="targets"/> include a memory the tenant does not hold (a mistyped id, one purged,
    /// one of another tenant). The store drops such a link without a word (it must, for a target purged between a read and
    /// the write), so the caller was told of a link never written, and a retry of the same update wrote a version each time.
    /// A memory in a cube <paramref name="actor"/> may not read is refused in the same words: a link to it told the caller
    /// which ids exist behind the answer an unknown id gets, and a derived-from link made its owner's purge take the
    /// caller's memory too.
    /// </summary>
    private async Task RequireLinkTargetsAsync(Scope actor, HashSet<MemoryId> targets, CancellationToken cancellationToken)
    {
        if (targets.Count == 0)
        {
            return;
        }

        var stored = await store.GetManyAsync(actor.Tenant, [.. targets], cancellationToken).ConfigureAwait(false);
        foreach (var inCube in stored.GroupBy(m => m.CubeId, StringComparer.Ordinal))
        {
            var cube = await store.FindCubeAsync(actor.Tenant, inCube.Key, cancellationToken).ConfigureAwait(false);
            if (cube is not null && (CubeAccessPolicy.Evaluate(cube, actor) & CubeAccess.Read) == CubeAccess.Read)
            {
                targets.ExceptWith(inCube.Select(m => m.Id));
            }
        }

        if (targets.Count > 0)
        {
            throw new MemoryValidationException($"A link points to memory {targets.Order().First()}, which is not stored (a mistyped id, or purged?); a link needs a memory of the tenant. Nothing was stored.");
        }
    }
}
