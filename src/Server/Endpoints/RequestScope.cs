using AgentMem.MemoryCore.Identity;

namespace AgentMem.Server.Endpoints;

/// <summary>
/// Builds the acting scope of a request: the tenant from the API key; user and agent from the key when it is bound to
/// them (a request naming others is refused), else from the request, else, without keys, the service's local user and agent.
/// </summary>
internal static class RequestScope
{
    /// <summary>The cube used when a request names none, as in the CLI.</summary>
    public const string DefaultCube = "default";

    public static Scope For(HttpContext context, string? user, string? agent)
    {
        var key = ApiKeyMiddleware.KeyOf(context);
        return new(key.Tenant, OrDefault(Bound(key.User, user, "user"), key.DefaultUser), OrDefault(Bound(key.Agent, agent, "agent"), key.DefaultAgent));
    }

    private static string? OrDefault(string? named, string? fallback) => string.IsNullOrWhiteSpace(named) ? fallback : named;

    private static string? Bound(string? bound, string? asked, string what)
    {
        if (bound is null)
        {
            return asked;
        }

        if (!string.IsNullOrWhiteSpace(asked) && !string.Equals(asked.Trim(), bound, StringComparison.Ordinal))
        {
            throw new AccessDeniedException($"This API key acts as {what} '{bound}' only; it cannot act as '{asked}'.");
        }

        return bound;
    }

    public static string Cube(string? cube) => string.IsNullOrWhiteSpace(cube) ? DefaultCube : cube;

    public static MemoryId ParseId(string id) =>
        MemoryId.TryParse(id, out var parsed) ? parsed : throw new MemoryValidationException($"'{id}' is not a memory id.");
}
