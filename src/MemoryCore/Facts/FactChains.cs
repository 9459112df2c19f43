using AgentMem.MemoryCore.Links;

namespace AgentMem.MemoryCore.Facts;

/// <summary>
/// Queries over supersede chains: facts linked <see cref="LinkTypes.Supersedes"/> (newer to older) and
/// <see cref="LinkTypes.SupersededBy"/> (older to newer), as written by <see cref="FactResolver"/> and consolidation.
/// </summary>
public static class FactChains
{
    /// <summary>Longest chain followed; a longer one (or a cycle) is reported as a store inconsistency.</summary>
    public const int MaxChainLength = 256;

    /// <summary>
    /// The fact that currently holds for the chain <paramref name="id"/> belongs to: following
    /// <see cref="LinkTypes.SupersededBy"/> from it to the newest member. Null when the chain ends in an
    /// invalidated fact (a DELETE) or a deleted memory: no fact of the chain holds any more. An archived
    /// (forgotten) end of chain is returned: it faded, but it was never contradicted.
    /// </summary>
    public static async Task<MemoryItem?> GetCurrentFactAsync(this MemoryOS memory, Scope actor, MemoryId id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var item = await memory.GetAsync(actor, id, cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<MemoryId> { item.Id };
        while (true)
        {
            switch (item.State)
            {
                case LifecycleState.Active or LifecycleState.Frozen or LifecycleState.Archived:
                    return item;
                case LifecycleState.Deleted:
                    return null;
            }

            if (Successor(item) is not { } next)
            {
                return null;
            }

            if (!seen.Add(next) || seen.Count > MaxChainLength)
            {
                throw new MemoryStateException($"The supersede chain of memory {id} loops or is longer than {MaxChainLength}.");
            }

            try
            {
                item = await memory.GetAsync(actor, next, cancellationToken).ConfigureAwait(false);
            }
            catch (MemoryNotFoundException)
            {
                return null; // the successor was purged
            }
        }
    }

    /// <summary>
    /// The whole chain <paramref name="id"/> belongs to, oldest first: back along
    /// <see cref="LinkTypes.Supersedes"/>-style predecessors and forward along <see cref="LinkTypes.SupersededBy"/>.
    /// Each element is the member's current version (its state and reason say how it ended).
    /// </summary>
    public static async Task<IReadOnlyList<MemoryItem>> GetFactChainAsync(this MemoryOS memory, Scope actor, MemoryId id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var start = await memory.GetAsync(actor, id, cancellationToken).ConfigureAwait(false);
        var chain = new LinkedList<MemoryItem>();
        chain.AddFirst(start);
        var seen = new HashSet<MemoryId> { start.Id };

        for (var cur = start; Predecessor(cur) is { } prev && seen.Count <= MaxChainLength && seen.Add(prev);)
        {
            if (await TryGetAsync(memory, actor, prev, cancellationToken).ConfigureAwait(false) is not { } p)
            {
                break;
            }

            chain.AddFirst(p);
            cur = p;
        }

        for (var cur = start; Successor(cur) is { } next && seen.Count <= MaxChainLength && seen.Add(next);)
        {
            if (await TryGetAsync(memory, actor, next, cancellationToken).ConfigureAwait(false) is not { } n)
            {
                break;
            }

            chain.AddLast(n);
            cur = n;
        }

        return [.. chain];
    }

    /// <summary>The newest successor <paramref name="item"/> links to, if any.</summary>
    public static MemoryId? Successor(MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Links.LastOrDefault(l => string.Equals(l.Type, LinkTypes.SupersededBy, StringComparison.Ordinal))?.Target;
    }

    /// <summary>The predecessor <paramref name="item"/> replaced, if any (the first one it links to).</summary>
    public static MemoryId? Predecessor(MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Links.FirstOrDefault(l => string.Equals(l.Type, LinkTypes.Supersedes, StringComparison.Ordinal))?.Target;
    }

    private static async Task<MemoryItem?> TryGetAsync(MemoryOS memory, Scope actor, MemoryId id, CancellationToken cancellationToken)
    {
        try
        {
            return await memory.GetAsync(actor, id, cancellationToken).ConfigureAwait(false);
        }
        catch (MemoryNotFoundException)
        {
            return null;
        }
    }
}
