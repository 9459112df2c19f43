using AgentMem.ModelHost;

namespace AgentMem.Agents.Scheduling;

/// <summary>A cube's activation and parametric memories as loaded for a local model, with the plaintext they stand for.</summary>
/// <param name="State">The cartridges and adapters to load before the prompt.</param>
/// <param name="Activation">The activation memories whose cartridges are in <see cref="LocalMemoryState.Cartridges"/>, in order.</param>
/// <param name="Parametric">The parametric memories whose adapters are in <see cref="LocalMemoryState.Adapters"/>, in order.</param>
/// <param name="Sources">The plaintext memories they encode: the model already has them, so they are left out of the pasted context.</param>
public sealed record LoadedMemoryState(LocalMemoryState State, IReadOnlyList<MemoryItem> Activation, IReadOnlyList<MemoryItem> Parametric, IReadOnlySet<MemoryId> Sources)
{
    /// <summary>Nothing loaded.</summary>
    public static LoadedMemoryState Empty { get; } = new(LocalMemoryState.Empty, [], [], new HashSet<MemoryId>());
}
