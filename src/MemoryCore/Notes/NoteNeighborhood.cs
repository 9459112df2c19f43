namespace AgentMem.MemoryCore.Notes;

/// <summary>A note, the notes its links point to and the notes that point to it, one hop.</summary>
/// <param name="Note">The note.</param>
/// <param name="Neighbours">Each link with the current version of its target, in the note's order.</param>
/// <param name="LinkedFrom">Each link to the note from the live notes of its cube, with the linking note, oldest first.</param>
/// <param name="Hidden">The note's links left out: the target was purged, or lies in a cube the actor may not read (of the
/// links read: with <see cref="MoreNeighbours"/>, those after the last one read are not counted).</param>
public sealed record NoteNeighborhood(
    MemoryItem Note,
    IReadOnlyList<(MemoryLink Link, MemoryItem Target)> Neighbours,
    IReadOnlyList<IncomingLink> LinkedFrom,
    int Hidden)
{
    /// <summary>True when the note has more readable links than the limit asked for: <see cref="Neighbours"/> holds the first.</summary>
    public bool MoreNeighbours { get; init; }

    /// <summary>True when more links to the note than the limit asked for were found: <see cref="LinkedFrom"/> holds the first.</summary>
    public bool MoreLinkedFrom { get; init; }
}
