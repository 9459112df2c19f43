namespace AgentMem.Server.Contracts;

/// <summary>One typed link from a memory, with the current version of the memory it points to.</summary>
/// <param name="Type">The relation, e.g. <c>relates-to</c>, <c>elaborates</c>, <c>supersedes</c>, or <c>encodes</c> (an activation memory's source).</param>
/// <param name="Weight">Strength of the relation, 0..1.</param>
/// <param name="Reason">Why the link exists, when recorded.</param>
/// <param name="Target">The linked memory, current version.</param>
public sealed record MemoryLinkDto(string Type, double Weight, string? Reason, MemoryDto Target);
