namespace AgentMem.MemoryCore.Model;

/// <summary>A typed, weighted edge from one memory to another (Zettelkasten links, evidence, contradictions).</summary>
/// <param name="Target">The memory linked to (same tenant).</param>
/// <param name="Type">The relation, e.g. <c>related</c>, <c>supports</c>, <c>contradicts</c>, <c>follows</c>.</param>
/// <param name="Weight">Strength of the relation, 0..1 (a weight outside that range is refused when the link is written).</param>
/// <param name="Reason">Why the link exists (e.g. the shared keywords that made the linker connect the notes); null when not recorded.</param>
public sealed record MemoryLink(MemoryId Target, string Type, double Weight = 1.0, string? Reason = null);
