namespace AgentMem.MemoryCore.Notes;

/// <summary>
/// The versions one <see cref="NoteKeeper"/> call plans before it writes them in one transaction: reads see the planned
/// versions first, so a note linked after a neighbour evolved sees the neighbour as evolved, exactly as if each version
/// had been written on its own.
/// </summary>
internal sealed class NoteWrites(MemoryOS memory, Scope actor)
{
    private readonly Dictionary<MemoryId, MemoryItem> planned = [];
    private readonly List<(MemoryUpdate Update, int Expected)> updates = [];
    private readonly DateTimeOffset now = memory.TimeProvider.GetUtcNow();

    /// <summary>The memory as it will be once the planned updates are written (throws as <see cref="MemoryOS.GetAsync"/> for unknown ids).</summary>
    public async Task<MemoryItem> GetAsync(MemoryId id, CancellationToken cancellationToken) =>
        planned.TryGetValue(id, out var item) ? item : await memory.GetAsync(actor, id, cancellationToken).ConfigureAwait(false);

    /// <summary>The version planned for <paramref name="id"/>, or null when none is.</summary>
    public MemoryItem? Planned(MemoryId id) => planned.GetValueOrDefault(id);

    /// <summary>Plans <paramref name="change"/> of <paramref name="current"/> (as read through <see cref="GetAsync"/>); returns the version it makes.</summary>
    public MemoryItem Plan(MemoryItem current, MemoryChange change)
    {
        var next = memory.NextVersion(current, change, now);
        planned[current.Id] = next;
        updates.Add((new MemoryUpdate(current.Id, change), current.Version));
        return next;
    }

    /// <summary>
    /// Writes every planned update in one transaction, each only onto the version it was planned from: a change holds whole
    /// lists (tags, keywords, links), so applied to a version another writer made meanwhile (during a slow extraction) it
    /// undid that writer's tags, context or links. Such a memory fails the call with a <see cref="MemoryStateException"/>.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (updates.Count > 0)
        {
            await memory.WriteVersionsAsync(actor, [.. updates.Select(u => u.Update.Id)], "memory.update", (i, current, at) =>
                current.Version == updates[i].Expected
                    ? memory.Updating(current, updates[i].Update.Change, at)
                    : throw new MemoryStateException($"Memory {current.Id} changed while its note was built (version {current.Version}, read at {updates[i].Expected}); it is left for the next run."),
                cancellationToken).ConfigureAwait(false);
        }
    }
}
