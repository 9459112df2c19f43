namespace AgentMem.Server.Contracts;

/// <summary>The passage of a long memory that matched a query.</summary>
/// <param name="Start">Offset of its first character in the memory's text (UTF-16 code units).</param>
/// <param name="Length">Its length in UTF-16 code units.</param>
/// <param name="Text">The passage itself.</param>
public sealed record PassageDto(int Start, int Length, string Text);
