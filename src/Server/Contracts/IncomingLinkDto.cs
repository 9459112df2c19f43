namespace AgentMem.Server.Contracts;

/// <summary>One typed link to a memory, with the current version of the memory it comes from.</summary>
/// <param name="Type">The relation, as the linking memory states it (e.g. <c>elaborates</c>, or <c>encodes</c> from an activation memory).</param>
/// <param name="Weight">Strength of the relation, 0..1.</param>
/// <param name="Reason">Why the link exists, when recorded.</param>
/// <param name="Source">The linking memory, current version.</param>
public sealed record IncomingLinkDto(string Type, double Weight, string? Reason, MemoryDto Source);
