namespace AgentMem.Server.Auth;

/// <summary>
/// One API key as kept at rest: the tenant it acts for, the SHA-256 (hex) of the key itself, and optionally the user and
/// agent it is bound to (then every call made with it acts as them: a request naming another user or agent is refused).
/// </summary>
/// <param name="Tenant">The tenant every call made with the key acts for.</param>
/// <param name="Sha256">Lower- or upper-case hex SHA-256 of the key's UTF-8 bytes (see <see cref="ApiKeyHasher.Hash"/>).</param>
public sealed record ApiKeyEntry(string Tenant, string Sha256)
{
    /// <summary>The user every call with this key acts as, or null (the request names its user).</summary>
    public string? User { get; init; }

    /// <summary>The agent every call with this key acts as, or null (the request names its agent).</summary>
    public string? Agent { get; init; }

    /// <summary>
    /// The user a request that names none acts as: only the identity of a call without a key has one
    /// (<see cref="ServerOptions.LocalUser"/>). Unlike <see cref="User"/>, a request may name another.
    /// </summary>
    internal string? DefaultUser { get; init; }

    /// <summary>The agent a request that names none acts as (<see cref="ServerOptions.LocalAgent"/>); as <see cref="DefaultUser"/>.</summary>
    internal string? DefaultAgent { get; init; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when the tenant is blank, the hash is not 64 hex digits, the key is bound
    /// to a blank user or agent (which a scope reads as none: the key would act for the whole tenant), or a name breaks
    /// the rules of a <see cref="Scope"/> (too long, control or surrogate characters), which every request would refuse,
    /// or is "." or "..", which no memory may be written by.
    /// </summary>
    public void Validate()
    {
        if (Problem() is { } problem)
        {
            throw new ArgumentException(problem.Message, problem.Member);
        }
    }

    /// <summary>What <see cref="Validate"/> refuses, with the member at fault, or null when the entry is usable.</summary>
    internal (string Message, string Member)? Problem()
    {
        if (string.IsNullOrWhiteSpace(Tenant))
        {
            return ("A key's tenant is blank.", nameof(Tenant));
        }

        string? blank = IsBlank(User) ? nameof(User) : IsBlank(Agent) ? nameof(Agent) : null;
        if (blank is not null)
        {
            return ($"A key of tenant '{Tenant}' is bound to a blank {blank.ToLowerInvariant()}; name one, or leave the binding out.", blank);
        }

        if (Sha256 is null || Sha256.Length != 64 || !Sha256.All(char.IsAsciiHexDigit))
        {
            return ($"The key hash for tenant '{Tenant}' must be 64 hex digits (SHA-256).", nameof(Sha256));
        }

        // Every request acts as new Scope(Tenant, User, Agent): a name it refuses loaded fine and then failed every call (400).
        string member = nameof(Tenant);
        try
        {
            _ = new Scope(Tenant);
            member = nameof(User);
            _ = new Scope(Tenant, User);
            member = nameof(Agent);
            _ = new Scope(Tenant, User, Agent);
        }
        catch (MemoryValidationException ex)
        {
            return ($"A key names an identity no request may act as: {ex.Message}", member);
        }

        // The facade refuses these as a new memory's author (a URL path cannot carry them): such a key could add nothing.
        string? dotted = User?.Trim() is "." or ".." ? nameof(User) : Agent?.Trim() is "." or ".." ? nameof(Agent) : null;
        if (dotted is not null)
        {
            return ($"A key of tenant '{Tenant}' is bound to the {dotted.ToLowerInvariant()} '.' or '..', which cannot write memories: a URL path cannot carry either as a segment.", dotted);
        }

        return null;
    }

    private static bool IsBlank(string? binding) => binding is not null && string.IsNullOrWhiteSpace(binding);
}
