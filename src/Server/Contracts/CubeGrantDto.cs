using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Access given to a user and/or agent besides the cube's owner.</summary>
/// <param name="User">The user granted, or null for any user.</param>
/// <param name="Agent">The agent granted, or null for any agent.</param>
/// <param name="Access"><c>read</c>, <c>write</c> or <c>readwrite</c>.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CubeGrantDto(string? User, string? Agent, string Access)
{
    /// <summary>The API view of a grant.</summary>
    public static CubeGrantDto From(CubeGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return new(grant.User, grant.Agent, grant.Access.ToString().ToLowerInvariant());
    }

    /// <summary>The grant this DTO describes; an unknown access level is a bad request (the facade checks the grantee).</summary>
    public CubeGrant ToGrant()
    {
        var access = Access?.Trim().ToLowerInvariant() switch
        {
            "read" => CubeAccess.Read,
            "write" => CubeAccess.Write,
            "readwrite" => CubeAccess.ReadWrite,
            _ => throw new MemoryValidationException($"'{Access}' is not an access level; use read, write or readwrite."),
        };
        return new CubeGrant(User, Agent, access);
    }
}
