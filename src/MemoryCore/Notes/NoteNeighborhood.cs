namespace AgentMem.MemoryCore.Notes;

/// <summary>A note and the notes its links point to, one hop.</summary>
/// <param name="Note">The note.</param>
/// <param name="Neighbours">Each link with the current version of its target.</param>
public sealed record NoteNeighborhood(MemoryItem Note, IReadOnlyList<(MemoryLink Link, MemoryItem Target)> Neighbours);
