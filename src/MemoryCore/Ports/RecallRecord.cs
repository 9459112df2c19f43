namespace AgentMem.MemoryCore.Ports;

/// <summary>A memory's forgetting-curve counters after a recall was recorded.</summary>
/// <param name="Id">The memory.</param>
/// <param name="Strength">Its strength S in days, after reinforcement.</param>
/// <param name="LastRecalledAt">The recall just recorded.</param>
/// <param name="RecallCount">How many recalls it has had, this one included.</param>
public sealed record RecallRecord(MemoryId Id, double Strength, DateTimeOffset LastRecalledAt, int RecallCount);
