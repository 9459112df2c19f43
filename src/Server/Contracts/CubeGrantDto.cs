namespace AgentMem.Server.Contracts;

/// <summary>Access given to a user and/or agent besides the cube's owner.</summary>
/// <param name="User">The user granted, or null for any user.</param>
/// <param name="Agent">The agent granted, or null for any agent.</param>
/// <param name="Access"><c>read</c>, <c>write</c> or <c>readwrite</c>.</param>
public sealed record CubeGrantDto(string? User, string? Agent, string Access)
{
    /// <summary>The API view of a grant.</summary>
    public static CubeGrantDto From(CubeGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return new(grant.User, grant.Agent, grant.Access.ToString().ToLowerInvariant());
    }

    /// <summary>The grant this DTO describes; a missing grantee or an unknown access level is a bad request.</summary>
    public CubeGrant ToGrant()
    {
        string? user = string.IsNullOrWhiteSpace(User) ? null : User.Trim();
        string? agent = string.IsNullOrWhiteSpace(Agent) ? null : Agent.Trim();
        if (user is null && agent is null)
        {
            throw new MemoryValidationException("A grant names a user, an agent or both (a grant to nobody in particular would open the cube to the whole tenant).");
        }

        var access = Access?.Trim().ToLowerInvariant() switch
        {
            "read" => CubeAccess.Read,
            "write" => CubeAccess.Write,
            "readwrite" => CubeAccess.ReadWrite,
            _ => throw new MemoryValidationException($"'{Access}' is not an access level; use read, write or readwrite."),
        };
        return new CubeGrant(user, agent, access);
    }
}
