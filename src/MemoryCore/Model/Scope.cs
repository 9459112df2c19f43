namespace AgentMem.MemoryCore.Model;

/// <summary>
/// Who a memory belongs to, from the hard partition (<see cref="Tenant"/>) down to one conversation
/// (<see cref="Session"/>). The tenant is enforced by the store itself; the rest are soft scopes used
/// for grants and filters. Empty strings are normalised to <see langword="null"/>.
/// </summary>
public sealed record Scope
{
    /// <summary>The default tenant used by the embedded CLI when none is given.</summary>
    public const string DefaultTenant = "default";

    /// <summary>Creates a scope; <paramref name="tenant"/> is required.</summary>
    public Scope(string tenant, string? user = null, string? agent = null, string? session = null)
    {
        Tenant = ScopeNames.Require(tenant, nameof(tenant));
        User = ScopeNames.Optional(user, nameof(user));
        Agent = ScopeNames.Optional(agent, nameof(agent));
        Session = ScopeNames.Optional(session, nameof(session));
    }

    /// <summary>The hard partition: nothing is ever read or written across tenants.</summary>
    public string Tenant { get; }

    /// <summary>The end user the memory is about or was told by, if any.</summary>
    public string? User { get; }

    /// <summary>The agent that owns or acts on the memory, if any.</summary>
    public string? Agent { get; }

    /// <summary>The conversation or run the memory came from, if any.</summary>
    public string? Session { get; }

    /// <summary>This scope with another session.</summary>
    public Scope WithSession(string? session) => new(Tenant, User, Agent, session);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Tenant}/{User ?? "*"}/{Agent ?? "*"}/{Session ?? "*"}";
}
