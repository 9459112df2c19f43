namespace AgentMem.MemoryCore.Cubes;

/// <summary>Per-cube policies. Limits of zero mean "no limit".</summary>
public sealed record CubePolicy
{
    /// <summary>
    /// Whether adding content the same user and agent already hold in the cube, said by the same speaker
    /// (<see cref="Model.Provenance.Actor"/>), returns the existing memory instead of a copy (in whatever state it is;
    /// <see cref="MemoryOS.RestoreRestatedAsync"/> brings an archived one back). Another speaker's identical words are a
    /// memory of their own; the same speaker's, in another session, are not.
    /// </summary>
    public bool Deduplicate { get; init; } = true;

    /// <summary>Days after which unrecalled memories may be archived by maintenance; 0 keeps them forever.</summary>
    public int RetentionDays { get; init; }

    /// <summary>
    /// Days after which maintenance hard-deletes (purges) a memory, counted from when it was first recorded
    /// (<see cref="Model.Provenance.RecordedAt"/>): updates, archiving and recalls do not extend it, so nothing a job does
    /// can postpone the deadline. 0 (the default) never deletes. Frozen memories are exempt (a legal hold). Unlike
    /// <see cref="RetentionDays"/>, which archives, this removes the memory with its versions, links and embeddings.
    /// </summary>
    public int HardDeleteAfterDays { get; init; }

    /// <summary>Maximum number of live memories; 0 for no limit. Adds beyond it are refused.</summary>
    public int MaxItems { get; init; }

    /// <summary>
    /// The most tokens a context built from this cube takes: it caps the budget a caller asks for. 0 (the default) leaves
    /// the caller's; otherwise 16 to 1,000,000, the range a context budget takes.
    /// </summary>
    public int ContextTokenBudget { get; init; }

    /// <summary>
    /// Retention (0..1, exclusive) below which the forgetting job archives an active memory, with
    /// retention <c>e^(−t/S)</c> from <see cref="Forgetting.ForgettingCurve"/>; null (the default) never
    /// forgets. Frozen memories, core blocks (<see cref="Forgetting.ForgettingOptions.ExcludeTags"/>) and activation and
    /// parametric memories (their lifetime follows their sources) are exempt, and forgetting archives: it never deletes.
    /// </summary>
    public double? ForgettingThreshold { get; init; }
}
