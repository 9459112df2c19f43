namespace AgentMem.Server.Contracts;

/// <summary>What <c>POST /v1/users/{user}/forget</c> removed: counts only.</summary>
/// <param name="User">The user forgotten.</param>
/// <param name="Written">Memories the user wrote, with all their versions.</param>
/// <param name="Derived">Memories derived from those (summaries, activation cartridges), by anyone.</param>
/// <param name="Cubes">Cubes that lost at least one memory.</param>
/// <param name="Cartridges">Local payload files of the removed activation and parametric memories (KV cartridges, LoRA adapters) that were deleted.</param>
public sealed record UserForgottenDto(string User, int Written, int Derived, int Cubes, int Cartridges);
