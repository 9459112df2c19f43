namespace AgentMem.Agents.Activation;

/// <summary>Settings of <see cref="ActivationMemoryScheduler"/>, with defaults and validation.</summary>
public sealed class ActivationSchedulerOptions
{
    /// <summary>How many plaintext memories to promote into one cartridge (default 8).</summary>
    public int TopN { get; set; } = 8;

    /// <summary>Fewest recalls a memory needs to be promoted at all (default 0: the top memories whatever their counts).</summary>
    public int MinRecallCount { get; set; }

    /// <summary>
    /// Folder the cartridge files are written to (created if missing; default <c>cartridges</c>): a relative one inside the
    /// memory's payload folder (<see cref="MemoryCore.MemoryOSOptions.PayloadFolder"/>), else the working directory. A purge
    /// deletes a cartridge only inside the payload folder, when there is one.
    /// </summary>
    public string Folder { get; set; } = "cartridges";

    /// <summary>Context positions left free after the cartridge for the prompt and the answer (default 64).</summary>
    public int ReserveTokens { get; set; } = 64;

    /// <summary>Who the activation memories are recorded as written by (default <c>activation-scheduler</c>).</summary>
    public string Actor { get; set; } = "activation-scheduler";

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TopN, 1, nameof(TopN));
        ArgumentOutOfRangeException.ThrowIfNegative(ReserveTokens, nameof(ReserveTokens));
        ArgumentOutOfRangeException.ThrowIfNegative(MinRecallCount, nameof(MinRecallCount));
        ArgumentException.ThrowIfNullOrWhiteSpace(Folder, nameof(Folder));
        ArgumentException.ThrowIfNullOrWhiteSpace(Actor, nameof(Actor));
    }
}
