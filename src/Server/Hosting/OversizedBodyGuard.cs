using Microsoft.AspNetCore.Http.Features;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Refuses a request whose declared body is over <see cref="ServerOptions.MaxRequestBodyBytes"/> with a 413 before anything
/// reads it, reading and dropping a body of up to <see cref="DrainFactor"/> times the limit first (for at most
/// <see cref="DrainTimeout"/>) so that a client still sending it reads the answer. It runs after the loopback guard and the
/// key check: a caller without a key gets its 401 and is never read from.
/// </summary>
internal sealed class OversizedBodyGuard(RequestDelegate next, ServerOptions options)
{
    /// <summary>A declared body over the limit is read and dropped before the 413 when it is at most this many times the limit.</summary>
    public const int DrainFactor = 4;

    /// <summary>The longest a body over the limit is read before the 413 goes out and the connection is closed.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

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

        await next(context).ConfigureAwait(false);
    }

    // Python's http.client and Node's fetch send the whole body before they read the answer: a 413 sent at once, the
    // connection closed behind it, reached them as a broken pipe with no word of the limit. Reading the body costs the
    // service no memory (it is dropped as it comes, at Kestrel's minimum data rate); past DrainFactor times the limit the
    // connection is closed after the answer, as before, rather than read for as long as a client cares to send; so is one
    // still sending after DrainTimeout. A client that waits for "100 Continue" (curl on a large body) has sent nothing yet:
    // the 413 tells it not to.
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

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(DrainTimeout);
        try
        {
            await context.Request.Body.CopyToAsync(Stream.Null, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // The client went away, stopped short of what it declared, sent too slowly or took longer than DrainTimeout:
            // the 413 is all that is left to say.
            context.Response.Headers.Connection = "close";
        }
    }

    private Task TooLarge(HttpContext context) =>
        Results.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: ProblemMapping.BodyTooLargeTitle,
            detail: ProblemMapping.BodyTooLarge(options.MaxRequestBodyBytes)).ExecuteAsync(context);
}
