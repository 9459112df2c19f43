using AgentMem.ModelHost;

namespace AgentMem.Agents.Scheduling;

/// <summary>
/// Trains a LoRA adapter from memory texts for <see cref="MemScheduler"/>'s parametric promotion. Injected so the scheduler does
/// not depend on one training recipe (steps, rank, targets, learning rate) and tests can use a tiny one.
/// </summary>
public interface IAdapterTrainer
{
    /// <summary>Trains an adapter on <paramref name="texts"/> (the stable memories, in source order) for the scheduler's model.</summary>
    Task<LoraAdapter> TrainAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}
