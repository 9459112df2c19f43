using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Turns exceptions into RFC 7807 problem details (<c>application/problem+json</c>): typed AgentMem
/// errors and bad requests with their mapped status and message, anything else as a 500 whose
/// details stay in the log. Also refuses declared bodies over the limit up front (413), which the
/// test host, unlike Kestrel, does not enforce, reading and dropping one of up to
/// <see cref="DrainFactor"/> times the limit first so that a client still sending it reads the answer.
/// </summary>
internal sealed class ErrorMiddleware(RequestDelegate next, ServerOptions options, ILogger<ErrorMiddleware> logger)
{
    /// <summary>A declared body over the limit is read and dropped before the 413 when it is at most this many times the limit.</summary>
    public const int DrainFactor = 4;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength is long declared && declared > options.MaxRequestBodyBytes)
        {
            await DrainAsync(context, declared).ConfigureAwait(false);
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await TooLarge(context).ConfigureAwait(false);
            }

            return;
        }

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

    // Python's http.client and Node's fetch send the whole body before they read the answer: a 413 sent at once, the
    // connection closed behind it, reached them as a broken pipe with no word of the limit. Reading the body costs the
    // service no memory (it is dropped as it comes, at Kestrel's minimum data rate); past DrainFactor times the limit the
    // connection is closed after the answer, as before, rather than read for as long as a client cares to send. A client
    // that waits for "100 Continue" (curl on a large body) has sent nothing yet: the 413 tells it not to.
    private async Task DrainAsync(HttpContext context, long declared)
    {
        bool waiting = context.Request.Headers.Expect.Any(e => e is not null && e.Contains("100-continue", StringComparison.OrdinalIgnoreCase));
        if (waiting || declared / DrainFactor > options.MaxRequestBodyBytes)
        {
            context.Response.Headers.Connection = "close";
            return;
        }

        // Kestrel refuses to read a body declared over its limit; this request's limit can still be raised, since nothing has read it.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = declared;
        }

        try
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // The client went away, stopped short of what it declared or sent too slowly: the 413 is all that is left to say.
            context.Response.Headers.Connection = "close";
        }
    }

    private Task TooLarge(HttpContext context) =>
        Results.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: ProblemMapping.BodyTooLargeTitle,
            detail: ProblemMapping.BodyTooLarge(options.MaxRequestBodyBytes)).ExecuteAsync(context);

    // Malformed JSON arrives wrapped: the JsonException underneath says where the document broke, or which member the
    // body's contract does not have. A body without a content
    // type gets the 415 a body of another type gets (the binder's words only say which type it got). On a route that takes a
    // JSON body, the binder's one other 400 is a body left out or sent as null (the routes' other parameters are path strings,
    // which always bind); its own words ("Implicit body inferred for parameter ... Did you mean to use a Service instead?")
    // are about the handler's code, so the client is told the schema the route takes instead.
    private static string Detail(Exception ex, HttpContext context) => ex switch
    {
        BadHttpRequestException { InnerException: System.Text.Json.JsonException json } =>
            UnknownBodyMember.TryDescribe(json, out string unknown) ? unknown : $"Malformed JSON: {json.Message}",
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => ProblemMapping.BodyNotJson,
        BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest, InnerException: null }
            when context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is { } shape => ProblemMapping.BodyRequired(shape),
        _ => ex.Message,
    };
}
