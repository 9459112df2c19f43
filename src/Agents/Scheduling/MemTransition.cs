namespace AgentMem.Agents.Scheduling;

/// <summary>One move of memories between kinds made by <see cref="MemScheduler"/>.</summary>
/// <param name="From">The kind the memories had (<see cref="MemoryKind.Plaintext"/> for a promotion).</param>
/// <param name="To">The kind they have now (<see cref="MemoryKind.Plaintext"/> for a demotion: only the sources remain).</param>
/// <param name="Derived">The activation or parametric memory made (promotion) or archived (demotion), as it is now.</param>
/// <param name="Sources">The plaintext memories it encodes; they are never changed by a transition.</param>
/// <param name="Reason">Why, in words (also the archived memory's state reason for a demotion).</param>
public sealed record MemTransition(MemoryKind From, MemoryKind To, MemoryItem Derived, IReadOnlyList<MemoryId> Sources, string Reason);
