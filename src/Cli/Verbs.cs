namespace AgentMem.Cli;

/// <summary>
/// Makes the command tree's verbs: each is a command with its arguments and options whose body gets the global options
/// resolved (<see cref="CliContext"/>) and runs under <see cref="Verb"/>'s error reporting and exit codes.
/// </summary>
internal sealed class Verbs(GlobalOptions global, TextWriter stdout, TextWriter stderr)
{
    /// <summary>The options every verb accepts, for a verb that asks more of them than their values (whether <c>--cube</c> was given).</summary>
    public GlobalOptions Global => global;

    /// <summary>A verb named <paramref name="name"/> taking <paramref name="symbols"/> (arguments and options), running <paramref name="body"/>.</summary>
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

    /// <summary>Makes <paramref name="command"/> (built by the caller) run <paramref name="body"/>; returns it.</summary>
    public Command Bind(Command command, Func<CliContext, ParseResult, CancellationToken, Task<int>> body)
    {
        Verb.Bind(command, global, stdout, stderr, body);
        return command;
    }
}
