using Microsoft.Extensions.Logging;

namespace AgentMem.Cli.Output;

/// <summary>
/// Writes each message to stderr: the one output an MCP server over stdio may print to, and where a chat's operator notes
/// (what the model is not told) go without mixing into its answer.
/// </summary>
internal sealed class StandardErrorLogger : ILogger
{
    public static readonly StandardErrorLogger Instance = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Console.Error.WriteLine(formatter(state, exception));
    }
}
