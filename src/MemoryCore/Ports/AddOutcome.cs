namespace AgentMem.MemoryCore.Ports;

/// <summary>The result of adding one memory.</summary>
/// <param name="Id">The id of the new memory, or of the existing one it duplicated.</param>
/// <param name="Created">False when the content was already in the cube and de-duplication returned the existing memory.</param>
public sealed record AddOutcome(MemoryId Id, bool Created);
