namespace AgentMem.Server.Hosting;

/// <summary>
/// Without API keys, listening on loopback keeps other machines out but not the browser of this one: a page whose DNS name
/// is rebound to 127.0.0.1 is same-origin with its own script, and a page of any site can post a form to the loopback address.
/// So every request must name a loopback host (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>, any port; 400 otherwise),
/// and one that carries an <c>Origin</c> must come from a loopback origin (403 otherwise). With keys the key admits a
/// request, whatever names the host (a proxy in front of the service may), so this runs only without them.
/// </summary>
internal sealed class LoopbackRequestGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!ServerOptions.IsLoopbackHost(context.Request.Host.Host))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Host not allowed",
                detail: "Without API keys the service answers only requests addressed to localhost, 127.0.0.1 or [::1].").ExecuteAsync(context);
        }

        string? origin = context.Request.Headers.Origin;
        if (origin is not null && !ServerOptions.IsLoopback(origin))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Origin not allowed",
                detail: "Without API keys the service answers only pages served from localhost, 127.0.0.1 or [::1].").ExecuteAsync(context);
        }

        return next(context);
    }
}
