using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Cubes;

/// <summary>Decides what an acting scope may do with a cube.</summary>
public static class CubeAccessPolicy
{
    /// <summary>
    /// The owner has full access; an owner scope that leaves user or agent unset covers every user or
    /// agent of the tenant. Grants add access for matching users/agents. Other tenants get nothing.
    /// </summary>
    public static CubeAccess Evaluate(MemCube cube, Scope actor)
    {
        ArgumentNullException.ThrowIfNull(cube);
        ArgumentNullException.ThrowIfNull(actor);
        if (!string.Equals(cube.Owner.Tenant, actor.Tenant, StringComparison.Ordinal))
        {
            return CubeAccess.None;
        }

        if (Matches(cube.Owner.User, actor.User) && Matches(cube.Owner.Agent, actor.Agent))
        {
            return CubeAccess.ReadWrite;
        }

        var access = CubeAccess.None;
        foreach (var grant in cube.Grants)
        {
            if (Matches(grant.User, actor.User) && Matches(grant.Agent, actor.Agent))
            {
                access |= grant.Access;
            }
        }

        return access;
    }

    /// <summary>Throws <see cref="AccessDeniedException"/> unless the actor has <paramref name="needed"/>.</summary>
    public static void Demand(MemCube cube, Scope actor, CubeAccess needed)
    {
        if ((Evaluate(cube, actor) & needed) != needed)
        {
            throw new AccessDeniedException(
                $"Scope {actor} has no {needed.ToString().ToLowerInvariant()} access to cube '{cube.Name}'. Ask its owner ({cube.Owner}) for a grant.");
        }
    }

    private static bool Matches(string? required, string? actual) =>
        required is null || string.Equals(required, actual, StringComparison.Ordinal);
}
