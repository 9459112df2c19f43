namespace AgentMem.MemoryCore.Notes;

/// <summary>What note construction adds to a memory (A-MEM): keywords, tags, a one-sentence context and a category.</summary>
/// <param name="Keywords">Key phrases and named entities, most salient first, lower-case.</param>
/// <param name="Tags">Topic labels, lower-case.</param>
/// <param name="Context">One sentence situating the memory (who, what about, when).</param>
/// <param name="Category">The kind of statement: event, plan, preference or fact.</param>
public sealed record NoteAttributes(IReadOnlyList<string> Keywords, IReadOnlyList<string> Tags, string Context, string Category);
