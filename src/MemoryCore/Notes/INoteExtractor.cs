namespace AgentMem.MemoryCore.Notes;

/// <summary>Turns a memory's text into note attributes; the deterministic <see cref="RuleNoteExtractor"/> or an LLM-backed one.</summary>
public interface INoteExtractor
{
    /// <summary>Extracts keywords, tags, context and category for <paramref name="input"/>.</summary>
    Task<NoteAttributes> ExtractAsync(NoteInput input, CancellationToken cancellationToken = default);
}
