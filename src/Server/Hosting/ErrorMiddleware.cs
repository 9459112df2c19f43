using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Turns exceptions into RFC 7807 problem details (<c>application/problem+json</c>): typed AgentMem
/// errors and bad requests with their mapped status and message, anything else as a 500 whose
/// details stay in the log. Also caps a streamed body at the limit where the host does not (the test host, unlike
/// Kestrel); a declared body over it is <see cref="OversizedBodyGuard"/>'s, after the key check.
/// </summary>
internal sealed class ErrorMiddleware(RequestDelegate next, ServerOptions options, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is null)
        {
            context.Request.Body = new LimitedReadStream(context.Request.Body, options.MaxRequestBodyBytes);
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // A key bound to a user must not learn that another user's private cube exists: it gets the answer an unknown cube
            // gets, and a memory named by id in such a cube the answer an unknown id gets (naming the cube would tell both).
            // The answers are the core's own for an unknown id or cube, word for word, naming the cube as the request did.
            if (ex is CubeAccessDeniedException { CanRead: false } hidden && ApiKeyMiddleware.TryKeyOf(context) is { User: not null } key)
            {
                ex = hidden.MemoryId is { } id
                    ? MemoryNotFoundException.Unknown(id)
                    : CubeNotFoundException.Unknown(hidden.RequestedAs ?? hidden.CubeName, key.Tenant);
            }

            var mapped = ProblemMapping.Map(ex);
            if (ex is StorageFullException)
            {
                logger.LogError(ex, "{Method} {Path} found the store's disk full", context.Request.Method, context.Request.Path);
            }
            else if (ex is ErasureFilesLeftException)
            {
                logger.LogError(ex, "{Method} {Path} committed an erasure but left files it could not delete", context.Request.Method, context.Request.Path);
            }
            else if (mapped is null)
            {
                logger.LogError(ex, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            }

            var (status, title) = mapped ?? (StatusCodes.Status500InternalServerError, "Internal error");
            string detail = mapped is null ? "An unexpected error occurred; see the server log." : Detail(ex, context);
            if (ex is ErasureFilesLeftException left)
            {
                // Paths, other cubes' ids and IO errors stay in the log: a cube delete or user forget also erases derived
                // memories of cubes the caller may not read, and the server's folders are none of a client's business.
                detail = $"The erasure is committed (do not retry), but {left.LeftSummary}; an operator must clean up by hand: the server log names what.";
            }
            else if (ex is StorageFullException)
            {
                // The store's message names the database file or server, which is the operator's business, not a client's.
                detail = "The server's storage is full; nothing from this request was written. Retry after an operator frees space: the server log names where.";
            }

            context.Response.Clear();
            await Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    // Malformed JSON arrives wrapped: the JsonException underneath says where the document broke, or which member the
    // body's contract does not have. A body without a content
    // type gets the 415 a body of another type gets (the binder's words only say which type it got). On a route that takes a
    // JSON body, the binder's one other 400 is a body left out or sent as null (the routes' other parameters are path strings,
    // which always bind); its own words ("Implicit body inferred for parameter ... Did you mean to use a Service instead?")
    // are about the handler's code, so the client is told the schema the route takes instead. A query value its typed parameter
    // cannot take is described by the parameter and the values it takes (QueryBindFailure). An empty body sent without a
    // length (chunked), or one of white space only, reaches the parser instead of the binder: it is the same missing body.
    private static string Detail(Exception ex, HttpContext context) => ex switch
    {
        BadHttpRequestException { InnerException: System.Text.Json.JsonException json }
            when IsNoJsonAtAll(json) && BodyShape(context) is { } none => ProblemMapping.BodyRequired(none),
        BadHttpRequestException { InnerException: System.Text.Json.JsonException json } =>
            UnknownBodyMember.TryDescribe(json, out string unknown) ? unknown : $"Malformed JSON: {json.Message}",
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => ProblemMapping.BodyNotJson,
        BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } when QueryBindFailure.TryDescribe(ex.Message, out string query) => query,
        BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest, InnerException: null }
            when BodyShape(context) is { } shape => ProblemMapping.BodyRequired(shape),
        _ => ex.Message,
    };

    // The contract type of the JSON body the route takes, or null for a route without one.
    private static Type? BodyShape(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    // System.Text.Json's words for a document with no token at all (empty, or white space only).
    private static bool IsNoJsonAtAll(System.Text.Json.JsonException json) =>
        json.Message.StartsWith("The input does not contain any JSON tokens", StringComparison.Ordinal);
}
