using Microsoft.Extensions.Logging;

namespace AgentMem.Agents.Tools;

/// <summary>
/// A tool whose errors are what <see cref="ToolErrors"/> lets the model see: one meant for the model passes unchanged (as
/// does the caller's own cancellation); any other is logged in full to <paramref name="logger"/> and thrown as an
/// <see cref="AgentMemException"/> whose message only names the tool (the original is its inner exception).
/// </summary>
internal sealed partial class ReportedToolErrors(AIFunction inner, ILogger? logger) : DelegatingAIFunction(inner)
{
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ToolErrors.IsForModel(ex) && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // A store's or service's message can name a database path, a host and port or a user: the model (and through its
            // reply the end user) must not read it, the operator must.
            if (logger is not null)
            {
                LogFailed(logger, Name, ex.ToString(), ex);
            }

            throw new AgentMemException(ToolErrors.Failed(Name), ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Tool} failed; the model was told only that it failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string tool, string error, Exception exception);
}
