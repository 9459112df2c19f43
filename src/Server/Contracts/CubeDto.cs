namespace AgentMem.Server.Contracts;

/// <summary>A cube, as the API returns it.</summary>
/// <param name="Id">Cube id.</param>
/// <param name="Name">Cube name.</param>
/// <param name="Description">What it holds.</param>
/// <param name="OwnerUser">Owning user.</param>
/// <param name="OwnerAgent">Owning agent.</param>
/// <param name="Deduplicate">Whether identical content of one user, agent and speaker is stored once.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record CubeDto(string Id, string Name, string? Description, string? OwnerUser, string? OwnerAgent, bool Deduplicate, DateTimeOffset CreatedAt)
{
    /// <summary>The API view of a cube (grants and the tenant stay server-side).</summary>
    public static CubeDto From(MemCube cube)
    {
        ArgumentNullException.ThrowIfNull(cube);
        return new(cube.Id, cube.Name, cube.Description, cube.Owner.User, cube.Owner.Agent, cube.Policy.Deduplicate, cube.CreatedAt);
    }
}
