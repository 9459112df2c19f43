namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// One new version for <see cref="IMemoryStore.ReplaceManyAsync"/>: <paramref name="Next"/> becomes current and
/// <paramref name="Superseded"/> (the version it follows, marked superseded) goes to the history, with its audit line.
/// </summary>
public sealed record MemoryReplacement(MemoryItem Superseded, MemoryItem Next, AuditRecord Audit);
