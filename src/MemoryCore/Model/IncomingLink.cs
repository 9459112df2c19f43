namespace AgentMem.MemoryCore.Model;

/// <summary>A link to a memory, seen from the memory it points to.</summary>
/// <param name="Link">The link as its source states it (type, weight, reason; its target is the memory asked about).</param>
/// <param name="Source">The linking memory, current version.</param>
public sealed record IncomingLink(MemoryLink Link, MemoryItem Source);
