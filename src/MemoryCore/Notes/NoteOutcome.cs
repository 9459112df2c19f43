namespace AgentMem.MemoryCore.Notes;

/// <summary>What adding a note did.</summary>
/// <param name="Added">The store's outcome (id, whether it was new or a duplicate).</param>
/// <param name="Links">The links the new note got.</param>
/// <param name="Evolved">How many neighbours were updated (back-link, tags) as new versions.</param>
public sealed record NoteOutcome(AddOutcome Added, IReadOnlyList<MemoryLink> Links, int Evolved);
