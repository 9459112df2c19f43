namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// A keyword query for a store's full-text index. Terms are plain words (never index syntax): the store
/// quotes them, so user text cannot inject operators; a control character in a term separates words as a space does.
/// A memory matches if it contains any term.
/// </summary>
/// <param name="Terms">Analysed query terms.</param>
/// <param name="Filter">Which memories may match.</param>
/// <param name="Limit">Maximum matches to return, best first.</param>
public sealed record LexicalQuery(IReadOnlyList<string> Terms, MemoryFilter Filter, int Limit);
