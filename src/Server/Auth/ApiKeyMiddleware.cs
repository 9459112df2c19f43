namespace AgentMem.Server.Auth;

/// <summary>
/// Resolves the calling tenant from the API key (<c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>)
/// for every <c>/v1</c> request. The tenant comes only from here, never from the request body, so a
/// key can never act for another tenant. Missing or unknown keys get 401 before any body is read.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ServerOptions options, ApiKeyTable keys)
{
    private const string KeyItem = "agentmem.key";

    /// <summary>The key (tenant, and the user and agent it may be bound to) the current request acts with; only set on <c>/v1</c> requests.</summary>
    /// <summary>The request's authenticated key, or null before (or without) authentication.</summary>
    public static ApiKeyEntry? TryKeyOf(HttpContext context) => context.Items[KeyItem] as ApiKeyEntry;

    public static ApiKeyEntry KeyOf(HttpContext context) =>
        context.Items[KeyItem] as ApiKeyEntry ?? throw new InvalidOperationException("The request has no authenticated tenant.");

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        string? key = ReadKey(context.Request);
        if (key is not null && await keys.FindAsync(key).ConfigureAwait(false) is { } entry)
        {
            context.Items[KeyItem] = entry;
            await next(context).ConfigureAwait(false);
            return;
        }

        if (key is null && !options.RequireAuth)
        {
            context.Items[KeyItem] = new ApiKeyEntry(options.LocalTenant, new string('0', 64)) { DefaultUser = options.LocalUser, DefaultAgent = options.LocalAgent };
            await next(context).ConfigureAwait(false);
            return;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: key is null ? "An API key is required: 'Authorization: Bearer KEY' or 'X-Api-Key: KEY'." : "The API key is not valid.").ExecuteAsync(context).ConfigureAwait(false);
    }

    private static string? ReadKey(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            string token = header["Bearer ".Length..].Trim();
            return token.Length == 0 ? null : token;
        }

        string? apiKey = request.Headers["X-Api-Key"];
        return string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim();
    }
}
