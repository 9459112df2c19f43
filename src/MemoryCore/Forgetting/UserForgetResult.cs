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
}
