using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentMem.Cli.Mcp;

/// <summary>
/// Stops the requests still running when <see cref="DrainingStdio.Overdue"/> fires (the client ended its input and the
/// drain timeout passed) and answers each with a JSON-RPC error saying so, instead of leaving the server waiting for them
/// with no way left to send their answers.
/// </summary>
internal static class OverdueRequests
{
    /// <summary>An incoming message filter that gives each request a token also cancelled by <paramref name="overdue"/>.</summary>
    public static McpMessageFilter Stop(TimeSpan drainTimeout, CancellationToken overdue) => next => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is not JsonRpcRequest)
        {
            await next(context, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var request = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, overdue);
        try
        {
            await next(context, request.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (overdue.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The SDK sends no answer for a cancelled request; an McpException's message is sent as the request's error.
            throw new McpException(Message(drainTimeout), ex);
        }
    };

    private static string Message(TimeSpan drainTimeout) => string.Create(
        CultureInfo.InvariantCulture,
        $"Stopped unfinished: the client closed its input and the request was still running {drainTimeout.TotalSeconds:0.###} s later, so the server stopped it to exit. A write it was making may or may not have been stored.");
}
