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
    /// Throws <see cref="ArgumentException"/> when the tenant is blank, the hash is not 64 hex digits, or the key is bound
    /// to a blank user or agent (which a scope reads as none: the key would act for the whole tenant).
    /// </summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Tenant, nameof(Tenant));
        string? blank = IsBlank(User) ? nameof(User) : IsBlank(Agent) ? nameof(Agent) : null;
        if (blank is not null)
        {
            throw new ArgumentException($"A key of tenant '{Tenant}' is bound to a blank {blank.ToLowerInvariant()}; name one, or leave the binding out.", blank);
        }

        if (Sha256 is null || Sha256.Length != 64 || !Sha256.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"The key hash for tenant '{Tenant}' must be 64 hex digits (SHA-256).", nameof(Sha256));
        }
    }

    private static bool IsBlank(string? binding) => binding is not null && string.IsNullOrWhiteSpace(binding);
}
