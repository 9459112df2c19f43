using Microsoft.Extensions.Logging;

namespace AgentMem.Server.Tests;

/// <summary>A log that keeps the exceptions logged at Error or above.</summary>
internal sealed class CapturedErrors : ILoggerProvider, ILogger
{
    public System.Collections.Concurrent.ConcurrentQueue<Exception> Errors { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Error && exception is not null)
        {
            Errors.Enqueue(exception);
        }
    }

    public void Dispose()
    {
    }
}
