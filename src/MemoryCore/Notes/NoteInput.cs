namespace AgentMem.MemoryCore.Notes;

/// <summary>A memory about to become a note: its text, who said it and when (the anchor for relative dates).</summary>
/// <param name="Text">The memory's text.</param>
/// <param name="Actor">Who said or wrote it, if known.</param>
/// <param name="EventTime">When it was said, if known.</param>
public sealed record NoteInput(string Text, string? Actor, DateTimeOffset? EventTime);
