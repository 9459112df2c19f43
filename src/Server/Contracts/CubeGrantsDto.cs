namespace AgentMem.Server.Contracts;

/// <summary>Who may use a cube: its owner, who alone may change the grants, and the grants.</summary>
/// <param name="Cube">Cube name.</param>
/// <param name="OwnerUser">Owning user.</param>
/// <param name="OwnerAgent">Owning agent.</param>
/// <param name="Grants">Access given to others.</param>
public sealed record CubeGrantsDto(string Cube, string? OwnerUser, string? OwnerAgent, IReadOnlyList<CubeGrantDto> Grants)
{
    /// <summary>The API view of a cube's access list.</summary>
    public static CubeGrantsDto From(MemCube cube)
    {
        ArgumentNullException.ThrowIfNull(cube);
        return new(cube.Name, cube.Owner.User, cube.Owner.Agent, cube.Grants.Select(CubeGrantDto.From).ToList());
    }
}
