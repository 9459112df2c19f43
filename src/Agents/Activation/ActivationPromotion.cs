namespace AgentMem.Agents.Activation;

/// <summary>What <see cref="ActivationMemoryScheduler.PromoteAsync"/> did.</summary>
/// <param name="Cartridge">The current activation memory of the cube, or null when no plaintext memory fits the context.</param>
/// <param name="Built">True when a cartridge was made this run (an archived memory of the same file is restored rather than
/// added again); false when the current one was still valid.</param>
/// <param name="Sources">The plaintext memories the cartridge encodes, in the order they were rendered.</param>
/// <param name="Invalidated">Activation memories archived this run because a source changed or the selection moved on.</param>
/// <param name="Tokens">Tokens in the cartridge (BOS included); 0 when there is none.</param>
public sealed record ActivationPromotion(MemoryItem? Cartridge, bool Built, IReadOnlyList<MemoryItem> Sources, IReadOnlyList<MemoryItem> Invalidated, int Tokens);
