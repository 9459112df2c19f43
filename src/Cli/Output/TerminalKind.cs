namespace AgentMem.Cli.Output;

/// <summary>Whether standard output and error are terminals (colours, redrawn progress) or pipes/files (plain text).</summary>
internal sealed record TerminalKind(bool StdoutIsTerminal, bool StderrIsTerminal)
{
    /// <summary>Plain text on both streams (tests, pipes).</summary>
    public static TerminalKind None { get; } = new(false, false);

    /// <summary>What the current process is attached to; honours NO_COLOR.</summary>
    public static TerminalKind Detect()
    {
        bool colorAllowed = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        return new(colorAllowed && !Console.IsOutputRedirected, colorAllowed && !Console.IsErrorRedirected);
    }
}
