namespace AgentMem.Cli;

/// <summary>
/// Makes the command tree's verbs: each is a command with its arguments and options whose body gets the global options
/// resolved (<see cref="CliContext"/>) and runs under <see cref="Verb"/>'s error reporting and exit codes.
/// </summary>
internal sealed class Verbs(GlobalOptions global, TextWriter stdout, TextWriter stderr)
{
    /// <summary>The options every verb accepts, for a verb that asks more of them than their values (whether <c>--cube</c> was given).</summary>
    public GlobalOptions Global => global;

    /// <summary>A verb named <paramref name="name"/> taking <paramref name="symbols"/> (arguments and options), running <paramref name="body"/>; it exits with the code the body returns.</summary>
    public Command Create(string name, string description, IEnumerable<Symbol> symbols, Func<CliContext, ParseResult, CancellationToken, Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
                default:
                    throw new ArgumentException($"A verb takes arguments and options, not {symbol.GetType().Name}.", nameof(symbols));
            }
        }

        return Bind(command, body);
    }

    /// <summary>A verb that exits 0 when its body completes (a failure exits with <see cref="Verb"/>'s code for its exception).</summary>
    public Command Create(string name, string description, IEnumerable<Symbol> symbols, Func<CliContext, ParseResult, CancellationToken, Task> body) =>
        Create(name, description, symbols, Succeeding(body));

    /// <summary>A verb over the memory at <c>--db</c>: the body gets it opened, and it is closed when the body ends, however it ends.</summary>
    public Command CreateOverMemory(string name, string description, IEnumerable<Symbol> symbols, Func<CliContext, MemoryOS, ParseResult, CancellationToken, Task<int>> body) =>
        Create(name, description, symbols, async (ctx, parse, ct) =>
        {
            await using var memory = ctx.OpenMemory();
            return await body(ctx, memory, parse, ct);
        });

    /// <summary>A verb over the memory at <c>--db</c> that exits 0 when its body completes.</summary>
    public Command CreateOverMemory(string name, string description, IEnumerable<Symbol> symbols, Func<CliContext, MemoryOS, ParseResult, CancellationToken, Task> body) =>
        CreateOverMemory(name, description, symbols, async (ctx, memory, parse, ct) =>
        {
            await body(ctx, memory, parse, ct);
            return 0;
        });

    /// <summary>Makes <paramref name="command"/> (built by the caller) run <paramref name="body"/>; returns it.</summary>
    public Command Bind(Command command, Func<CliContext, ParseResult, CancellationToken, Task<int>> body)
    {
        Verb.Bind(command, global, stdout, stderr, body);
        return command;
    }

    /// <summary>Makes <paramref name="command"/> run <paramref name="body"/>, exiting 0 when it completes; returns it.</summary>
    public Command Bind(Command command, Func<CliContext, ParseResult, CancellationToken, Task> body) => Bind(command, Succeeding(body));

    private static Func<CliContext, ParseResult, CancellationToken, Task<int>> Succeeding(Func<CliContext, ParseResult, CancellationToken, Task> body) =>
        async (ctx, parse, ct) =>
        {
            await body(ctx, parse, ct);
            return 0;
        };
}
