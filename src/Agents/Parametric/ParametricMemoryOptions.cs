namespace AgentMem.Agents.Parametric;

/// <summary>Settings of <see cref="ParametricMemories"/>, with defaults and validation.</summary>
public sealed class ParametricMemoryOptions
{
    /// <summary>
    /// Folder the adapter files are written to (created if missing; default <c>adapters</c>): a relative one inside the
    /// memory's payload folder (<see cref="MemoryCore.MemoryOSOptions.PayloadFolder"/>), else the working directory. A purge
    /// deletes an adapter only inside the payload folder, when there is one.
    /// </summary>
    public string Folder { get; set; } = "adapters";

    /// <summary>Who the parametric memories are recorded as written by (default <c>parametric-memories</c>).</summary>
    public string Actor { get; set; } = "parametric-memories";

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Folder, nameof(Folder));
        ArgumentException.ThrowIfNullOrWhiteSpace(Actor, nameof(Actor));
    }
}
