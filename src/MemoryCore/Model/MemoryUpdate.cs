namespace AgentMem.MemoryCore.Model;

/// <summary>One change of <see cref="MemoryOS.UpdateManyAsync"/>: the memory <paramref name="Id"/> gets <paramref name="Change"/> as a new version.</summary>
public sealed record MemoryUpdate(MemoryId Id, MemoryChange Change);
