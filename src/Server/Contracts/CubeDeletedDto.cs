namespace AgentMem.Server.Contracts;

/// <summary>What <c>DELETE /v1/cubes/{cube}</c> removed.</summary>
/// <param name="Cube">The cube deleted, as named in the request.</param>
/// <param name="Memories">How many memories went with it.</param>
public sealed record CubeDeletedDto(string Cube, int Memories);
