namespace AgentMem.Server.Contracts;

/// <summary>What <c>POST /v1/users/{user}/forget</c> removed (counts), and the cubes the user owns, which it keeps.</summary>
/// <param name="User">The user forgotten.</param>
/// <param name="Written">Memories the user wrote, with all their versions.</param>
/// <param name="Derived">Memories derived from those (summaries, activation cartridges), by anyone.</param>
/// <param name="Cubes">Cubes that lost at least one memory.</param>
/// <param name="Cartridges">Local payload files of the removed activation and parametric memories (KV cartridges, LoRA adapters) that were deleted.</param>
/// <param name="GrantsDropped">Grants to the user dropped from the tenant's cubes, so a user id given out again inherits no access.</param>
/// <param name="OwnedCubes">Ids of the cubes the user owns: listed, not deleted (they keep their name, description and what others wrote there); delete them with `DELETE /v1/cubes/{cube}` as their owner to finish the erasure.</param>
public sealed record UserForgottenDto(string User, int Written, int Derived, int Cubes, int Cartridges, int GrantsDropped, IReadOnlyList<string> OwnedCubes);
