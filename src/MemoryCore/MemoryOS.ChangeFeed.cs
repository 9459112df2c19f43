namespace AgentMem.MemoryCore;

public sealed partial class MemoryOS
{
    private const int FeedPageSize = 1000;

    /// <summary>
    /// The position of <paramref name="cube"/>'s change feed (0 when nothing was ever written to it): taken before reading
    /// the cube, it lets an in-process cache learn later, through <see cref="CatchUpAsync"/>, of every write made since by
    /// any process. The cube must have been opened by the actor (access checked).
    /// </summary>
    internal Task<long> ChangeSequenceAsync(Scope actor, MemCube cube, CancellationToken cancellationToken) =>
        store.GetChangeSequenceAsync(actor.Tenant, cube.Id, cancellationToken);

    /// <summary>
    /// The memories of <paramref name="cube"/> written after feed position <paramref name="after"/>, read as they are now,
    /// or null when more than <paramref name="maxMemories"/> changed (reading the cube again is then the cheaper way).
    /// </summary>
    internal async Task<FeedCatchUp?> CatchUpAsync(Scope actor, MemCube cube, long after, int maxMemories, CancellationToken cancellationToken)
    {
        var ids = new HashSet<MemoryId>();
        long sequence = after;
        while (true)
        {
            var page = await store.ReadChangesAsync(actor.Tenant, cube.Id, sequence, FeedPageSize, cancellationToken).ConfigureAwait(false);
            foreach (var change in page)
            {
                ids.Add(change.MemoryId);
                sequence = change.Sequence;
            }

            if (ids.Count > maxMemories)
            {
                return null;
            }

            if (page.Count < FeedPageSize)
            {
                break;
            }
        }

        var changed = new List<MemoryItem>(ids.Count);
        foreach (var chunk in ids.Chunk(FeedPageSize))
        {
            changed.AddRange(await store.GetManyAsync(actor.Tenant, chunk, cancellationToken).ConfigureAwait(false));
        }

        var found = changed.Select(i => i.Id).ToHashSet();
        return new FeedCatchUp(sequence, changed, [.. ids.Where(id => !found.Contains(id))]);
    }
}
