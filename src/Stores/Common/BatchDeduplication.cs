namespace AgentMem.Stores.Common;

/// <summary>
/// The de-duplication decision of one add batch (<see cref="AddOptions.Deduplicate"/>): an item whose content is
/// already live in its cube under the same user, agent and speaker (actor), or came earlier in the same batch, is not stored; the outcome names the memory that holds
/// that content. The look-up of stored content is the store's; the order of the checks and the batch's memory are here.
/// </summary>
/// <param name="matchSourceRef">Whether the source reference is part of what must match (<see cref="AddOptions.MatchSourceRef"/>).</param>
internal sealed class BatchDeduplication(bool matchSourceRef = false)
{
    private readonly Dictionary<(string Cube, string Hash, string? User, string? Agent, string? Actor, string? SourceRef), MemoryId> firstInBatch = [];

    /// <summary>
    /// The outcome for <paramref name="item"/> when it duplicates content, or null when it is to be stored (it is then
    /// remembered for the rest of the batch). <paramref name="findStored"/> is asked only when the batch has no earlier copy.
    /// </summary>
    public AddOutcome? Duplicate(MemoryItem item, Func<MemoryItem, MemoryId?> findStored)
    {
        if (firstInBatch.TryGetValue(Key(item), out var earlier))
        {
            return new AddOutcome(earlier, false);
        }

        if (findStored(item) is { } existing)
        {
            return new AddOutcome(existing, false);
        }

        firstInBatch[Key(item)] = item.Id;
        return null;
    }

    /// <summary><see cref="Duplicate"/> for a store whose look-up waits for a server.</summary>
    public async Task<AddOutcome?> DuplicateAsync(MemoryItem item, Func<MemoryItem, Task<MemoryId?>> findStored)
    {
        if (firstInBatch.TryGetValue(Key(item), out var earlier))
        {
            return new AddOutcome(earlier, false);
        }

        if (await findStored(item).ConfigureAwait(false) is { } existing)
        {
            return new AddOutcome(existing, false);
        }

        firstInBatch[Key(item)] = item.Id;
        return null;
    }

    // The speaker is part of the key: in an ingested chat, Bob saying what Alice said is his fact, not hers. The session is
    // not: the same speaker restating a fact in another conversation is the same fact.
    private (string, string, string?, string?, string?, string?) Key(MemoryItem item) =>
        (item.CubeId, item.ContentHash, item.Scope.User, item.Scope.Agent, item.Provenance.Actor, matchSourceRef ? item.Provenance.SourceRef : null);
}
