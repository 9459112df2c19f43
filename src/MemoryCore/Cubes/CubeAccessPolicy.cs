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

    /// <summary>
    /// Whether the actor is the cube's owner: same tenant, the owner's user (a cube of no user is the tenant's, owned by an
    /// actor of no user only) and the owner's agent where set. Every user of the tenant may read and write a tenant's cube,
    /// but one user deciding its grants, policy or deletion would decide for all of them.
    /// </summary>
    public static bool IsOwner(MemCube cube, Scope actor)
    {
        ArgumentNullException.ThrowIfNull(cube);
        ArgumentNullException.ThrowIfNull(actor);
        return string.Equals(cube.Owner.Tenant, actor.Tenant, StringComparison.Ordinal)
            && string.Equals(cube.Owner.User, actor.User, StringComparison.Ordinal)
            && Matches(cube.Owner.Agent, actor.Agent);
    }

    /// <summary>
    /// Throws <see cref="AccessDeniedException"/> unless the actor owns the cube: who may read or write it is the owner's
    /// decision, so a grantee (even with write access) cannot grant itself more, revoke others, or lock the owner out.
    /// </summary>
    public static void DemandOwner(MemCube cube, Scope actor, string change)
    {
        if (!IsOwner(cube, actor))
        {
            throw new AccessDeniedException($"Only the owner of cube '{cube.Name}' ({cube.Owner}) may {change}; scope {actor} is not.");
        }
    }

    /// <summary>Throws <see cref="AccessDeniedException"/> unless the actor has <paramref name="needed"/>.</summary>
    public static void Demand(MemCube cube, Scope actor, CubeAccess needed)
    {
        var granted = Evaluate(cube, actor);
        if ((granted & needed) != needed)
        {
            throw new CubeAccessDeniedException(
                $"Scope {actor} has no {needed.ToString().ToLowerInvariant()} access to cube '{cube.Name}'. Ask its owner ({cube.Owner}) for a grant.",
                cube.Name,
                canRead: (granted & CubeAccess.Read) == CubeAccess.Read);
        }
    }

    private static bool Matches(string? required, string? actual) =>
        required is null || string.Equals(required, actual, StringComparison.Ordinal);

    // The rules of a grant live here, for every host and for archives: a null grant made every later access check of the cube throw (for
    // every user of the tenant listing cubes), a grant to nobody in particular opened the cube to the whole tenant, and a
    // name with spaces around it or no access at all was stored and silently matched nobody.
    /// <summary>The grants as stored: each present, naming a user or an agent (trimmed), giving read, write or both.</summary>
    public static IReadOnlyList<CubeGrant> ValidateGrants(IReadOnlyList<CubeGrant>? grants)
    {
        var valid = new List<CubeGrant>(grants?.Count ?? 0);
        foreach (var grant in grants ?? [])
        {
            if (grant is null)
            {
                throw new MemoryValidationException("A cube grant is null.");
            }

            string? user = ScopeNames.Optional(grant.User, "grantee user");
            string? agent = ScopeNames.Optional(grant.Agent, "grantee agent");
            if (user is null && agent is null)
            {
                throw new MemoryValidationException("A grant names a user, an agent or both (a grant to nobody in particular would open the cube to the whole tenant).");
            }

            if (grant.Access is not (CubeAccess.Read or CubeAccess.Write or CubeAccess.ReadWrite))
            {
                throw new MemoryValidationException($"A grant gives read, write or both; got {grant.Access}.");
            }

            valid.Add(new CubeGrant(user, agent, grant.Access));
        }

        return valid;
    }
}
