namespace AgentMem.MemoryCore.Forgetting;

/// <summary>What <see cref="MemoryOS.ForgetUserAsync"/> removed: counts only, never content.</summary>
/// <param name="User">The user whose memories were forgotten.</param>
/// <param name="Written">Memories the user wrote (their scope named the user), with all their versions.</param>
/// <param name="Derived">Memories derived from those (activation cartridges, summaries, thoughts), written by anyone.</param>
/// <param name="Cubes">Cubes that lost at least one memory.</param>
/// <param name="PayloadFiles">Local payload files of the removed activation and parametric memories (KV cartridges, LoRA adapters) deleted with them.</param>
public sealed record UserForgetResult(string User, int Written, int Derived, int Cubes, int PayloadFiles)
{
    /// <summary>All memories removed.</summary>
    public int Total => Written + Derived;

    /// <summary>
    /// Grants that named the user (as a grantee, with or without an agent), dropped from the tenant's cubes right after
    /// the memories were purged, each cube's in a write of its own (audited <c>cube.grants</c>): a user id given out again
    /// must not inherit them. A forget that failed between the two drops them when run again.
    /// </summary>
    public int GrantsDropped { get; init; }

    /// <summary>
    /// Ids of the cubes the user owns, listed, not deleted: they keep their name, description, policy and what others
    /// wrote there (an agent's notes about the user). Deleting them (<see cref="MemoryOS.DeleteCubeAsync"/>, as their owner)
    /// finishes the erasure; whether to is the caller's decision.
    /// </summary>
    public IReadOnlyList<string> OwnedCubes { get; init; } = [];
}
